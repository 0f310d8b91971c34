// Talking to the import API: JSON calls, the multipart upload with its progress, polling a job. Every
// failure becomes an ApiError with the envelope's message (or a readable fallback) and whether a retry
// may help.
import { csrfToken, fill, root, text, wait } from "./dom.js";

const POLL_MS = [300, 500, 800, 1200, 2000];

export class ApiError extends Error {
  constructor(message, { status = 0, code = "", details = {}, retryable = false } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryable = retryable;
  }
}

export function errorFrom(status, body) {
  const error = body && body.error;
  if (error && error.message) {
    return new ApiError(error.message, {
      status,
      code: error.code || "",
      details: error.details || {},
      retryable: status >= 500 || status === 429,
    });
  }
  return new ApiError(fill(text.serverError, { status }), { status, retryable: true });
}

export async function api(url, { method = "GET", json } = {}) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch {
    throw new ApiError(text.network, { retryable: true });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: a proxy's error page; the status says enough.
  }
  if (!response.ok) throw errorFrom(response.status, body);
  return { status: response.status, body };
}

export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const form = new FormData();
    form.append("file", file, file.name);
    request.open("POST", root.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // handled below
      }
      if (request.status === 201 && body) resolve(body);
      else reject(errorFrom(request.status, body));
    });
    request.addEventListener("error", () => reject(new ApiError(text.network, { retryable: true })));
    request.send(form);
  });
}


// Poll a job until it finishes; `onTick` sees each state. Network hiccups are retried, not fatal.
export async function followJob(jobId, onTick) {
  for (let attempt = 0; ; attempt += 1) {
    let job;
    try {
      job = (await api(`${root.dataset.jobsUrl}${jobId}`)).body;
    } catch (error) {
      if (!error.retryable || attempt > 30) throw error;
      await wait(2000);
      continue;
    }
    onTick(job);
    if (job.status === "completed") return job;
    if (job.status === "failed" || job.status === "canceled") {
      throw new ApiError(job.errorMessage || fill(text.serverError, { status: job.status }), {
        code: job.errorCode,
        details: (job.result && job.result.details) || {},
      });
    }
    await wait(POLL_MS[Math.min(attempt, POLL_MS.length - 1)]);
  }
}
