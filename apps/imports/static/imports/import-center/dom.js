// What every part of the Import Center shares: the page's root and texts, element helpers, formatting.
export const root = document.getElementById("import-center");
export const text = JSON.parse(document.getElementById("import-center-text").textContent);
export const $ = (id) => document.getElementById(id);

const lang = document.documentElement.lang || "en";
export const number = new Intl.NumberFormat(lang);

// The one way the Import Center writes a date (YYYY-MM-DD from the API): as every page does
// (config/formats): "4 Dec 2026" in English, "2026年12月4日" in Chinese.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export function day(iso) {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!parts) return iso || "";
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  return lang.toLowerCase().startsWith("zh") ? `${year}年${month}月${date}日` : `${date} ${MONTHS[month - 1]} ${year}`;
}
export const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

export function bytes(size) {
  const units = ["B", "KB", "MB", "GB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

export const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
