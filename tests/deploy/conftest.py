import pytest

from tests.deploy import harness


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    if harness.NGINX is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx-light; .ci/run does)")
    if not harness.MIME_TYPES.exists():
        pytest.skip("Debian's /etc/nginx/mime.types is missing (install nginx-light)")
    return harness.NGINX


@pytest.fixture(scope="session")
def tls_pair(tmp_path_factory) -> tuple:
    if harness.OPENSSL is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the TLS server block")
    return harness.self_signed_certificate(tmp_path_factory.mktemp("tls"))
