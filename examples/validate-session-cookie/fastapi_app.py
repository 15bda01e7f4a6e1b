"""Another service that trusts this app's sessions, in FastAPI: GET /me answers 200 {"userId"} for
a live session, 401 for anything else, 503 when the session store (the app's database) fails.

    python3 examples/validate-session-cookie/fastapi_app.py

Configuration (environment): DATABASE_URL (the app's PostgreSQL), BETTER_AUTH_SECRET,
SESSION_ABSOLUTE_LIFETIME_SEC (the app's value), and optionally BETTER_AUTH_PREVIOUS_SECRETS,
COOKIE_PREFIX (default better-auth), HOST (default 127.0.0.1), PORT (default 4001).

Requires FastAPI >= 0.92 (Debian 12's python3-fastapi), uvicorn and asyncpg. The same rules as
examples/validate-session-cookie/validate-session-cookie.ts; see README.md next to this file.
"""

import base64
import hashlib
import hmac
import inspect
import logging
import os
import re
import sys
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Dict, List, Mapping, Optional, Sequence
from urllib.parse import unquote

import asyncpg
import fastapi
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger("validate-session-cookie")
if not logger.handlers:  # its own handler: uvicorn configures only its own loggers
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

# A genuine cookie is at most ~170 characters; anything far longer is refused before any work.
MAX_COOKIE_VALUE_LENGTH = 1024
# base64 of a 32-byte HMAC-SHA256, with its padding "=".
SIGNATURE_LENGTH = 44
# Bounds on one lookup, so an unreachable database answers 503 in seconds, not minutes.
CONNECT_TIMEOUT_SEC = 5
QUERY_TIMEOUT_SEC = 5

# `session.token` holds hex(SHA-256(token)) (docs/decisions/0020-session-tokens-hashed-at-rest.md).
# Both lifetimes are checked against the database's clock: the idle expiry Better Auth slides
# forward, and the absolute lifetime it does not have (ASVS 7.3.2).
SESSION_SQL = """select user_id from "session"
where token = $1 and expires_at > now() and created_at > now() - $2::interval"""

_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class Config:
    """The environment, read once at start-up: every bad or missing variable is named, then the
    process exits (a misconfigured validator must not refuse, or accept, everyone)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        problems: List[str] = []

        def value(name: str, default: Optional[str] = None) -> str:
            found = environ.get(name, "").strip()
            if found:
                return found
            if default is None:
                problems.append(f"{name} is required")
                return ""
            return default

        self.database_url = value("DATABASE_URL")
        if self.database_url and not re.match(r"^postgres(ql)?://", self.database_url):
            problems.append("DATABASE_URL must be a postgres:// URL")
        secret = value("BETTER_AUTH_SECRET")
        previous = [s.strip() for s in environ.get("BETTER_AUTH_PREVIOUS_SECRETS", "").split(",")]
        # The current secret first, then those a rotation replaced (the app accepts both).
        self.secrets = [s.encode("utf-8") for s in [secret, *previous] if s]
        lifetime = value("SESSION_ABSOLUTE_LIFETIME_SEC")
        self.absolute_lifetime = timedelta(seconds=1)
        if lifetime:
            if re.match(r"^[0-9]+$", lifetime) and int(lifetime) > 0:
                self.absolute_lifetime = timedelta(seconds=int(lifetime))
            else:
                problems.append("SESSION_ABSOLUTE_LIFETIME_SEC must be a positive whole number")
        self.cookie_prefix = value("COOKIE_PREFIX", "better-auth")
        if not re.match(r"^[A-Za-z0-9-]+$", self.cookie_prefix):
            problems.append("COOKIE_PREFIX: letters, digits and dashes only")
        self.host = value("HOST", "127.0.0.1")
        port = value("PORT", "4001")
        self.port = int(port) if re.match(r"^[0-9]{1,5}$", port) else -1
        if not 0 <= self.port <= 65535:
            problems.append("PORT must be a port number")
        if problems:
            raise SystemExit("Invalid configuration:\n  " + "\n  ".join(problems))


def session_cookie_from_header(header: Optional[str], prefix: str) -> Optional[str]:
    """The session cookie's raw value in a Cookie header, or None. `__Secure-<prefix>` wins (only
    an HTTPS origin can set it), then the first `<prefix>.session_token`, as Better Auth reads
    them. Parsed here rather than with request.cookies, which keeps the LAST of duplicate names."""
    if not header:
        return None
    name = f"{prefix}.session_token"
    secure_name = f"__Secure-{name}"
    plain: Optional[str] = None
    for pair in header.split(";"):
        key, eq, value = pair.partition("=")
        if not eq:
            continue
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        if key == secure_name:
            return value
        if key == name and plain is None:
            plain = value
    return plain


def verified_token(cookie_value: Optional[str], secrets: Sequence[bytes]) -> Optional[str]:
    """The token in a cookie value signed with one of `secrets`, or None."""
    if not cookie_value or len(cookie_value) > MAX_COOKIE_VALUE_LENGTH:
        return None
    # Refuse what JavaScript's decodeURIComponent refuses (malformed escapes, invalid UTF-8),
    # so this service and the Node validator answer alike.
    if _MALFORMED_ESCAPE.search(cookie_value):
        return None
    try:
        decoded = unquote(cookie_value, errors="strict")
    except UnicodeDecodeError:
        return None
    # The LAST dot: the signature (base64) has none.
    token, dot, signature = decoded.rpartition(".")
    if not dot or not token or len(signature) != SIGNATURE_LENGTH:
        return None
    given = signature.encode("utf-8")  # bytes: compare_digest raises on non-ASCII str
    message = token.encode("utf-8")
    matched = False
    for secret in secrets:  # all of them, so the time taken does not tell which one matched
        expected = base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest())
        matched = hmac.compare_digest(expected, given) or matched
    return token if matched else None


class SessionStore:
    """The app's session table through an asyncpg pool opened on first use: no start-up hook is
    needed for requests to work (FastAPI 0.92 ignores `lifespan=`), and the service starts while
    the database is down, answering 503 until it is back."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._pool: Optional[asyncpg.Pool] = None

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            pool = asyncpg.create_pool(
                self._config.database_url,
                min_size=0,  # connect on demand, never at start-up
                max_size=5,
                timeout=CONNECT_TIMEOUT_SEC,
                command_timeout=QUERY_TIMEOUT_SEC,
                server_settings={"application_name": "validate-session-cookie"},
            )
            self._pool = pool
            # Awaited once only (asyncpg answers None to a second await). With min_size=0 this
            # opens no connection and does not wait, so concurrent first requests share one pool.
            await pool
        return self._pool

    async def user_id(self, token: str) -> Optional[str]:
        """The user of a live session with this token, None if there is none; raises when the
        database fails. Never log the argument or the query's parameters."""
        stored = hashlib.sha256(token.encode("utf-8")).hexdigest()  # what session.token holds
        pool = await self._get_pool()
        async with pool.acquire(timeout=CONNECT_TIMEOUT_SEC) as connection:
            row = await connection.fetchrow(SESSION_SQL, stored, self._config.absolute_lifetime)
        return None if row is None else str(row["user_id"])

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


def _answer(status: int, body: Dict[str, str]) -> JSONResponse:
    # The answer depends on the cookie: no shared cache may keep it.
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


def create_app(config: Config) -> FastAPI:
    store = SessionStore(config)
    options = {"docs_url": None, "redoc_url": None, "openapi_url": None}
    # FastAPI >= 0.93 takes `lifespan`; 0.92 accepts the argument and silently ignores it, while
    # `on_startup`/`on_shutdown` (what 0.92 runs) are deprecated upstream and gone from current
    # Starlette's router. Only the pool's closing depends on this choice: it opens on first use.
    if "lifespan" in inspect.signature(FastAPI.__init__).parameters:

        @asynccontextmanager
        async def lifespan(_app: FastAPI):
            yield
            await store.close()

        app = FastAPI(lifespan=lifespan, **options)
    else:
        app = FastAPI(on_shutdown=[store.close], **options)

    @app.get("/me")
    async def me(request: Request) -> JSONResponse:
        # HTTP/2 clients may split the Cookie header in several.
        header = "; ".join(request.headers.getlist("cookie"))
        cookie = session_cookie_from_header(header, config.cookie_prefix)
        token = verified_token(cookie, config.secrets)
        if token is None:
            return _answer(401, {"error": "unauthorized"})
        try:
            user_id = await store.user_id(token)
        except Exception as error:  # whatever failed in the store: 503, never a 500
            # The class (and SQLSTATE) only: never the query's parameters.
            detail = getattr(error, "sqlstate", None) or (
                str(error) if isinstance(error, OSError) else ""
            )
            logger.error("session lookup failed: %s", f"{type(error).__name__} {detail}".strip())
            return _answer(503, {"error": "session store unavailable"})
        if user_id is None:  # unknown, signed out, revoked, expired or past the absolute lifetime
            return _answer(401, {"error": "unauthorized"})
        return _answer(200, {"userId": user_id})

    return app


config = Config(os.environ)
app = create_app(config)

if __name__ == "__main__":
    import uvicorn

    logger.info(
        "FastAPI %s, asyncpg %s, Python %s",
        fastapi.__version__,
        asyncpg.__version__,
        sys.version.split()[0],
    )
    uvicorn.run(app, host=config.host, port=config.port)
