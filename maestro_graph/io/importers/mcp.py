"""MCP client configuration: the agent, the MCP servers it connects to, and what they reach.

Reads the files MCP clients keep their servers in:

=========================  ====================================  ===========================
client                     file                                  where the servers are
=========================  ====================================  ===========================
Claude Desktop             ``claude_desktop_config.json``        ``mcpServers``
Cursor                     ``.cursor/mcp.json``                  ``mcpServers``
Windsurf                   ``mcp_config.json``                   ``mcpServers`` (``serverUrl``)
Cline                      ``cline_mcp_settings.json``           ``mcpServers``
VS Code                    ``.vscode/mcp.json``                  ``servers`` (and ``inputs``)
VS Code                    ``settings.json``                     ``mcp.servers``
Claude Code                ``~/.claude.json``                    ``mcpServers`` and
                                                                 ``projects[*].mcpServers``
Claude Code (project)      ``.mcp.json``                         ``mcpServers``
Gemini CLI                 ``.gemini/settings.json``             ``mcpServers`` (``httpUrl``)
Codex CLI                  ``.codex/config.toml``                ``[mcp_servers.NAME]``
Zed                        ``settings.json``                     ``context_servers`` (command
                                                                 nested as ``{path, args}``)
Continue                   ``.continue/config.json``             ``mcpServers`` as a list
=========================  ====================================  ===========================

Windows wrappers (``cmd /c npx ...``) are unwrapped.

What the model holds (the mapping):

============================================  ================================================
in the configuration                          in the model
============================================  ================================================
the client                                    L3 ``agent`` the user (L7 ``user``) invokes; it
                                              invokes its model (L1 ``foundation_model``) and
                                              runs on the workstation (L4 ``host``)
a coding client (Cursor, Windsurf, VS Code,   also its built-in terminal tool (L3
Cline, Claude Code)                           ``code_interpreter``) on the workstation
a server with ``url`` / ``serverUrl``         L7 ``mcp_server``, exposure public, trust
                                              untrusted (its tool descriptions and results are
                                              written by a third party); a ``localhost`` URL is
                                              internal and trusted, on the workstation
a server with ``command`` (stdio)             L7 ``mcp_server`` the workstation ``hosts``
``npx``/``bunx``/``pnpm dlx``, ``uvx``/       the package index it is fetched from (L7
``pipx``, ``docker run`` of an image          ``package_index``, public, untrusted) ``supplies``
                                              it; a pinned version adds ``dependency-pinning``
``env`` / ``headers`` / ``inputs`` entries    an L4 ``secret_store`` that ``authorizes`` the
that look like credentials                    server (names only: values are never copied)
a server whose name or package names a        that service (L7 ``external_api``, public,
service others write to (GitHub, GitLab,      untrusted: issues, messages and mail come from
Jira, Slack, e-mail, Notion, ...)             anyone) the server ``invokes``
a server that fetches, browses or searches    the web (L2 ``document_source``, public,
the web                                       untrusted) whose pages reach the server
a filesystem server                           the folders it is given (L2 ``document_source``)
                                              read and written by the server
a database server (Postgres, SQLite, ...)     the database (L2 ``database``) it reads and
                                              writes
a memory server (memory, mem0, Zep, Letta)    the memory (L2 ``memory_store``) it reads and
                                              writes
``disabled: true``                            left out, with a warning
============================================  ================================================

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> from maestro_graph.io.importers import import_file
>>> folder = Path(tempfile.mkdtemp()) / ".cursor"
>>> folder.mkdir()
>>> config = {"mcpServers": {
...     "weather": {"url": "https://mcp.example.com/sse"},
...     "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem",
...                                          "/home/me/project"]}}}
>>> _ = (folder / "mcp.json").write_text(json.dumps(config))
>>> result = import_file(folder / "mcp.json")
>>> [(c.id, c.kind, c.exposure.value) for c in result.model.components_on("L7")][:3]
[('user', 'user', 'internal'), ('weather', 'mcp_server', 'public'), ('files', 'mcp_server', \
'internal')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from maestro_graph.io.importers.base import (
    ImportFormat,
    ImportResult,
    ModelBuilder,
    looks_like_credential,
    redacted,
)
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import MaestroInputError

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class _Client:
    name: str
    model: str
    coding: bool


_CLIENTS = {
    "claude-desktop": _Client("Claude Desktop", "Claude (Anthropic)", coding=False),
    "cursor": _Client("Cursor", "Cursor's model", coding=True),
    "windsurf": _Client("Windsurf", "Windsurf's model", coding=True),
    "cline": _Client("Cline", "Cline's model", coding=True),
    "vscode": _Client("VS Code agent mode", "VS Code's model", coding=True),
    "claude-code": _Client("Claude Code", "Claude (Anthropic)", coding=True),
    "gemini-cli": _Client("Gemini CLI", "Gemini (Google)", coding=True),
    "codex": _Client("Codex CLI", "OpenAI's model", coding=True),
    "continue": _Client("Continue", "Continue's model", coding=True),
    "zed": _Client("Zed agent", "Zed's model", coding=True),
    "mcp-client": _Client("MCP client", "the client's model", coding=False),
}

#: Services whose content outsiders write (issues, messages, mail, pages): keyword -> name.
_SERVICES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "bitbucket": "Bitbucket",
    "jira": "Jira",
    "atlassian": "Atlassian",
    "confluence": "Confluence",
    "linear": "Linear",
    "slack": "Slack",
    "discord": "Discord",
    "teams": "Microsoft Teams",
    "gmail": "Gmail",
    "outlook": "Outlook",
    "email": "e-mail",
    "imap": "e-mail",
    "postmark": "Postmark e-mail",
    "sendgrid": "SendGrid e-mail",
    "notion": "Notion",
    "zendesk": "Zendesk",
    "intercom": "Intercom",
    "sentry": "Sentry",
    "twitter": "X (Twitter)",
    "reddit": "Reddit",
    "youtube": "YouTube",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
    "hubspot": "HubSpot",
    "salesforce": "Salesforce",
    "stripe": "Stripe",
    "google-drive": "Google Drive",
    "gdrive": "Google Drive",
    "asana": "Asana",
    "trello": "Trello",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
}
# Each keyword starts a word of the server's name, command, arguments or URL ("brows" matches
# "browser" and "browsing"); a keyword with a "-" matches as written; "=exa" only the word itself.
_WEB_WORDS = (
    "fetch", "brows", "puppeteer", "playwright", "search", "brave", "tavily", "firecrawl",
    "=exa", "scrap", "crawl", "perplexity", "selenium", "web", "url-reader", "jina",
)  # fmt: skip
_FILE_WORDS = ("filesystem", "file-system", "files", "desktop-commander", "obsidian")
_MEMORY_WORDS = ("memory", "mem0", "=zep", "letta", "knowledge-graph", "graphiti", "memories")
_DATABASE_WORDS = (
    "postgres", "mysql", "sqlite", "mongo", "redis", "supabase", "bigquery", "snowflake",
    "neon", "clickhouse", "duckdb", "database", "mssql", "dynamodb", "elasticsearch",
)  # fmt: skip
#: Folders that hold keys and credentials rather than documents.
_SECRET_FOLDER = re.compile(
    r"(^|[/\\])(\.ssh|\.aws|\.gnupg|\.kube|\.docker|\.azure|\.config/gcloud|"
    r"\.env$|\.netrc|\.npmrc|\.pypirc)"
)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
_PACKAGE_RUNNERS = {
    "npx": "npm",
    "bunx": "npm",
    "pnpx": "npm",
    "uvx": "PyPI",
    "pipx": "PyPI",
    "docker": "container registry",
    "podman": "container registry",
}


#: Keys that hold a table of servers, as each client spells it.
_TABLE_KEYS = ("mcpServers", "servers", "context_servers", "mcp_servers")


def _detect(data: Any, file_name: str) -> bool:
    if not isinstance(data, Mapping):
        return False
    if any(key in data for key in ("mcpServers", "context_servers", "mcp_servers")):
        return True
    if isinstance(data.get("servers"), Mapping):
        return True
    mcp = data.get("mcp")
    if isinstance(mcp, Mapping) and isinstance(mcp.get("servers"), Mapping):
        return True
    projects = data.get("projects")
    return isinstance(projects, Mapping) and any(
        isinstance(p, Mapping) and isinstance(p.get("mcpServers"), Mapping)
        for p in projects.values()
    )


def _client_of(data: Mapping[str, Any], source: str) -> str:
    path = PurePath(source)
    name, parents = path.name.lower(), {part.lower() for part in path.parts[:-1]}
    by_name = {
        "claude_desktop_config.json": "claude-desktop",
        "cline_mcp_settings.json": "cline",
        ".claude.json": "claude-code",
        ".mcp.json": "claude-code",
        "mcp_config.json": "windsurf",
    }
    by_folder = {
        ".cursor": "cursor",
        "windsurf": "windsurf",
        ".codeium": "windsurf",
        ".gemini": "gemini-cli",
        ".continue": "continue",
        ".codex": "codex",
        "zed": "zed",
        ".vscode": "vscode",
    }
    if name in by_name:
        return by_name[name]
    for folder, client in by_folder.items():
        if folder in parents:
            return client
    if "projects" in data:
        return "claude-code"
    if "context_servers" in data:
        return "zed"
    if "mcp_servers" in data:
        return "codex"
    if "servers" in data or "mcp" in data or name == "settings.json":
        return "vscode"
    return "mcp-client"


Server_ = tuple[Path_, str, Any]


def _entries(document: Document, path: Path_, table: Any) -> list[Server_]:
    """The servers of one table: an object of name -> settings, or (Continue) a list of
    settings that carry their ``name``."""
    if isinstance(table, Mapping):
        return [((*path, name), str(name), server) for name, server in table.items()]
    if isinstance(table, list) and any(isinstance(server, Mapping) for server in table):
        return [
            ((*path, index), str(server.get("name") or f"server-{index + 1}"), server)
            if isinstance(server, Mapping)
            else ((*path, index), f"server-{index + 1}", server)
            for index, server in enumerate(table)
        ]
    found = type(table).__name__
    message = (
        f"{path[-1]} must map server names to settings (or list server objects), "
        f"not be a {found}"
    )
    raise MaestroInputError([document.problem(path, message)])


def _server_tables(document: Document) -> Iterator[tuple[list[Server_], str]]:
    """Every table of servers in the file, with the project it belongs to ("" for none)."""
    data = document.data
    for key in _TABLE_KEYS:
        if key in data and not (key == "servers" and not isinstance(data[key], Mapping)):
            yield _entries(document, (key,), data[key]), ""
    mcp = data.get("mcp")
    if isinstance(mcp, Mapping) and isinstance(mcp.get("servers"), Mapping):
        yield _entries(document, ("mcp", "servers"), mcp["servers"]), ""
    projects = data.get("projects")
    if isinstance(projects, Mapping):
        for project, settings in projects.items():
            if isinstance(settings, Mapping) and isinstance(settings.get("mcpServers"), Mapping):
                path = ("projects", project, "mcpServers")
                yield _entries(document, path, settings["mcpServers"]), str(project)


def _canonical(server: Mapping[str, Any]) -> dict[str, Any]:
    """One server's settings in one spelling: ``command`` a string with ``args`` and ``env``
    beside it (Zed nests them in ``command``), ``url`` for every remote spelling (Windsurf's
    ``serverUrl``, Gemini CLI's ``httpUrl``), and ``cmd /c X`` unwrapped to ``X``."""
    settings = dict(server)
    command = settings.get("command")
    if isinstance(command, Mapping):
        settings["command"] = command.get("path")
        settings.setdefault("args", command.get("args", []))
        settings.setdefault("env", command.get("env"))
    for spelling in ("serverUrl", "httpUrl"):
        if not isinstance(settings.get("url"), str) and isinstance(settings.get(spelling), str):
            settings["url"] = settings[spelling]
    args = settings.get("args")
    runner = PurePath(str(settings.get("command") or "")).name.lower().removesuffix(".exe")
    wrapped = runner == "cmd" and isinstance(args, list) and len(args) >= 2
    if wrapped and str(args[0]).lower() in {"/c", "/k"}:
        settings["command"], settings["args"] = str(args[1]), list(args[2:])
    return settings


class _Importer:
    """One configuration file's walk; keeps the ids of the shared components."""

    def __init__(self, document: Document, builder: ModelBuilder) -> None:
        self.document = document
        self.builder = builder
        self.data: Mapping[str, Any] = document.data
        self.client = _CLIENTS[_client_of(self.data, document.source)]
        self._shared: dict[str, str] = {}
        self.agent = self.host = ""

    def run(self) -> ImportResult:
        tables = list(_server_tables(self.document))
        if not tables:
            raise MaestroInputError.single(
                self.document.source, None, "no MCP server table (mcpServers, servers, mcp.servers)"
            )
        self._client()
        count = 0
        for servers, project in tables:
            for path, name, server in servers:
                count += self._server(path, name, server, project)
        if count == 0:
            self.builder.warn((), "the configuration lists no enabled MCP server")
        return self.builder.result(
            f"{self.client.name} with its MCP servers",
            f"Imported from the MCP configuration {self.builder.file_name}",
        )

    # -- the client side -------------------------------------------------------------------
    def _client(self) -> None:
        b = self.builder
        user = b.component((), key="@user", name="user", layer="L7", kind="user", criticality=3)
        self.agent = b.component(
            (),
            key="@agent",
            name=self.client.name,
            layer="L3",
            kind="agent",
            criticality=4,
            properties={"client": self.client.name},
        )
        model = b.component(
            (), key="@model", name=self.client.model, layer="L1", kind="foundation_model"
        )
        self.host = b.component(
            (), key="@host", name="workstation", layer="L4", kind="host", criticality=4
        )
        b.flow((), user, self.agent, "invokes", label="requests", by_id=True)
        b.flow((), self.agent, model, "invokes", label="context holds every tool description",
               by_id=True)  # fmt: skip
        b.flow((), self.host, self.agent, "hosts", by_id=True)
        if self.client.coding:
            terminal = b.component(
                (),
                key="@terminal",
                name=f"{self.client.name} terminal tool",
                layer="L3",
                kind="code_interpreter",
                criticality=4,
                properties={"assumed": "built into the client, not listed in the file"},
            )
            b.flow((), self.agent, terminal, "invokes", label="runs shell commands", by_id=True)
            b.flow((), self.host, terminal, "hosts", by_id=True)

    def _shared_component(self, key: str, **fields: Any) -> str:
        """A component several servers share (a package index, the web, a service)."""
        if key not in self._shared:
            self._shared[key] = self.builder.component((), key=key, **fields)
        return self._shared[key]

    # -- servers ---------------------------------------------------------------------------
    def _server(self, path: Path_, name: str, server: Any, project: str) -> int:
        b = self.builder
        if not isinstance(server, Mapping):
            b.warn(path, f"server {name!r} is not an object; left out")
            return 0
        if server.get("disabled") is True or server.get("enabled") is False:
            b.warn(path, f"server {name!r} is disabled; left out")
            return 0
        server = _canonical(server)
        url = server.get("url")
        command = server.get("command")
        if not isinstance(url, str) and not isinstance(command, str):
            b.warn(path, f"server {name!r} has neither a command nor a url; left out")
            return 0
        args = [str(a) for a in server.get("args", ()) if isinstance(a, str | int | float)]
        properties: dict[str, Any] = {
            k: v
            for k, v in server.items()
            if k not in {"env", "headers", "args", "disabled", "serverUrl", "httpUrl"}
        }
        if args:
            properties["args"] = args
        if isinstance(properties.get("url"), str):
            properties["url"] = _without_secret_query(properties["url"])
        if project:
            properties["project"] = project
        words = " ".join([name, str(command or ""), *args, str(url or "")]).lower()
        local_url = isinstance(url, str) and (urlsplit(url).hostname or "") in _LOCAL_HOSTS
        remote = isinstance(url, str) and not local_url
        component = b.component(
            path,
            key="/".join(map(str, path)),
            name=f"{name} ({PurePath(project).name or project})" if project else name,
            layer="L7",
            kind="mcp_server",
            source_type="remote" if remote else "stdio" if command else "local-url",
            exposure="public" if remote else None,
            trust="untrusted" if remote else None,
            criticality=3,
            properties=properties,
        )
        b.flow(path, self.agent, component, "invokes", label="tools/list, tools/call", by_id=True)
        if not remote:
            b.flow(path, self.host, component, "hosts", by_id=True)
        if isinstance(command, str):
            self._package(path, component, command, args)
        self._credentials(path, name, component, server)
        self._reaches(path, component, words, args)
        return 1

    def _package(self, path: Path_, component: str, command: str, args: Sequence[str]) -> None:
        runner = PurePath(command).name.lower().removesuffix(".cmd").removesuffix(".exe")
        index = _PACKAGE_RUNNERS.get(runner)
        if runner in {"pnpm", "yarn", "bun"} and args[:1] in (["dlx"], ["x"]):
            index = "npm"
        if index is None:
            return
        package = _package_argument(runner, args)
        index_id = self._shared_component(
            f"@index:{index}",
            name=index,
            layer="L7",
            kind="package_index",
            exposure="public",
            trust="untrusted",
            criticality=2,
        )
        self.builder.flow(path, index_id, component, "supplies", label=package, by_id=True)
        if package and _is_pinned(package, index):
            self.builder.update(component, controls=["dependency-pinning"])

    def _credentials(
        self, path: Path_, name: str, component: str, server: Mapping[str, Any]
    ) -> None:
        names: list[str] = []
        for section in ("env", "headers"):
            values = server.get(section)
            if isinstance(values, Mapping):
                names += [
                    f"{section}.{k}" for k, v in values.items() if looks_like_credential(k, v)
                ]
            elif values is not None:
                self.builder.warn((*path, section), f"{section} is not an object; ignored")
        args = [a for a in server.get("args", ()) if isinstance(a, str)]
        names += [f"args[{i}]" for i, a in enumerate(args) if redacted(a) != a or _flag_secret(a)]
        if isinstance(server.get("envFile"), str):
            names.append(f"envFile {server['envFile']}")
        names += [f"input {i}" for i in _input_references(server) if self._is_secret_input(i)]
        if not names:
            return
        store = self.builder.component(
            path,
            key=f"@secrets:{'/'.join(map(str, path))}",
            name=f"{name} credentials",
            layer="L4",
            kind="secret_store",
            criticality=5,
            properties={"holds": sorted(set(names)), "stored_in": self.builder.file_name},
        )
        self.builder.flow(path, store, component, "authorizes", by_id=True)
        self.builder.flow(path, self.host, store, "hosts", by_id=True)

    def _is_secret_input(self, input_id: str) -> bool:
        mcp = self.data.get("mcp")
        nested = mcp.get("inputs") if isinstance(mcp, Mapping) else None
        inputs = [*(self.data.get("inputs") or ()), *(nested or ())]
        for item in inputs:
            if isinstance(item, Mapping) and item.get("id") == input_id:
                return bool(item.get("password")) or looks_like_credential(input_id)
        return looks_like_credential(input_id)

    def _reaches(self, path: Path_, component: str, words: str, args: Sequence[str]) -> None:
        """What the server reaches beyond itself, read from its name, package and arguments."""
        self._service(path, component, words)
        if _mentions(words, _WEB_WORDS):
            web = self._shared_component(
                "@web",
                name="web pages",
                layer="L2",
                kind="document_source",
                exposure="public",
                trust="untrusted",
                criticality=1,
            )
            self.builder.flow(path, web, component, "data", label="fetched pages", by_id=True)
        if _mentions(words, _FILE_WORDS):
            self._files(path, component, args)
        if _mentions(words, _DATABASE_WORDS):
            self._store(path, component, "database", f"database of {component}", "query results")
        if _mentions(words, _MEMORY_WORDS):
            self._store(path, component, "memory_store", f"memory of {component}", "memories")

    def _service(self, path: Path_, component: str, words: str) -> None:
        for keyword, service in _SERVICES.items():
            if _mentions(words, (keyword,)):
                api = self._shared_component(
                    f"@service:{service}",
                    name=f"{service} API",
                    layer="L7",
                    kind="external_api",
                    exposure="public",
                    trust="untrusted",
                    criticality=3,
                    properties={"why_untrusted": "outsiders write the content it returns"},
                )
                self.builder.flow(path, component, api, "invokes", by_id=True)
                return

    def _files(self, path: Path_, component: str, args: Sequence[str]) -> None:
        """The folders a filesystem server is given; key folders are secret stores."""
        folders = [a for a in args if a.startswith(("/", "~", ".")) or re.match(r"^\w:\\", a)]
        secret_folders = [f for f in folders if _SECRET_FOLDER.search(f)]
        plain_folders = [f for f in folders if f not in secret_folders]
        if secret_folders:
            keys = self._store(
                path,
                component,
                "secret_store",
                "secrets in " + ", ".join(secret_folders),
                "key files",
                layer="L4",
                properties={"folders": secret_folders},
            )
            self.builder.flow(path, self.host, keys, "hosts", by_id=True)
        if plain_folders or not secret_folders:
            self._store(
                path,
                component,
                "document_source",
                "files " + (", ".join(plain_folders) or "the server can reach"),
                "file contents",
                properties={"folders": plain_folders} if plain_folders else None,
            )

    def _store(
        self,
        path: Path_,
        component: str,
        kind: str,
        name: str,
        label: str,
        *,
        layer: str = "L2",
        properties: Mapping[str, Any] | None = None,
    ) -> str:
        """A store the server reads and writes."""
        store = self.builder.component(
            path,
            key=f"@{kind}:{'/'.join(map(str, path))}",
            name=name,
            layer=layer,
            kind=kind,
            criticality=5 if kind == "secret_store" else 4,
            properties=properties,
        )
        self.builder.flow(path, store, component, "data", label=label, by_id=True)
        self.builder.flow(path, component, store, "data", label="writes", by_id=True)
        return store


def _mentions(text: str, keywords: Sequence[str]) -> bool:
    """True when a keyword starts a word of ``text`` (see the keyword tables above).

    Examples
    --------
    >>> _mentions("@upstash/context7-mcp", ("=exa",)), _mentions("exa-mcp-server", ("=exa",))
    (False, True)
    >>> _mentions("https://docs.example.org/mcp", _WEB_WORDS)
    False
    >>> _mentions("@modelcontextprotocol/server-brave-search", _WEB_WORDS)
    True
    """
    words = re.split(r"[^a-z0-9]+", text.lower())
    for keyword in keywords:
        if keyword.startswith("="):
            if keyword[1:] in words:
                return True
        elif "-" in keyword:
            if keyword in text.lower():
                return True
        elif any(word.startswith(keyword) for word in words):
            return True
    return False


def _package_argument(runner: str, args: Sequence[str]) -> str | None:
    """The package or image a runner starts (the first argument that is not an option)."""
    rest = list(args)
    if runner in {"pnpm", "yarn", "bun"} and rest[:1] in (["dlx"], ["x"]):
        rest = rest[1:]
    if runner in {"docker", "podman"}:
        if "run" not in rest:
            return None
        rest = rest[rest.index("run") + 1 :]
        with_value = {"-e", "--env", "-v", "--volume", "--name", "--network", "-p", "--env-file"}
        skip = False
        for arg in rest:
            if skip:
                skip = False
            elif arg in with_value:
                skip = True
            elif not arg.startswith("-"):
                return arg
        return None
    for arg in rest:
        if arg in {"--from", "--with", "-p", "--package"}:
            continue
        if not arg.startswith("-"):
            return arg
    return None


def _is_pinned(package: str, index: str) -> bool:
    """True when the package names an exact version (``pkg@1.2.3``, ``pkg==1.2``, a digest).

    Examples
    --------
    >>> _is_pinned("@scope/server@1.4.0", "npm"), _is_pinned("@scope/server", "npm")
    (True, False)
    >>> _is_pinned("mcp-server-fetch==2025.1.17", "PyPI"), _is_pinned("img:latest", "x")
    (True, False)
    """
    if index == "npm":
        version = package.rsplit("@", 1)[1] if package.count("@") > package.startswith("@") else ""
        return bool(re.fullmatch(r"\d+\.\d+\.\d+\S*", version))
    if index == "PyPI":
        return "==" in package
    return "@sha256:" in package or bool(re.search(r":\d+(\.\d+)+\S*$", package))


def _without_secret_query(url: str) -> str:
    """A URL with the values of credential-looking query parameters removed.

    Examples
    --------
    >>> _without_secret_query("https://mcp.example.com/sse?api_key=abc&region=eu")
    'https://mcp.example.com/sse?api_key=<redacted>&region=eu'
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [pair.partition("=") for pair in parts.query.split("&")]
    query = "&".join(
        f"{k}={'<redacted>' if looks_like_credential(k, v) else v}" if sep else k
        for k, sep, v in pairs
    )
    return parts._replace(query=query).geturl()


def _flag_secret(arg: str) -> bool:
    """``--api-key=...``-style arguments carry a credential in the command line."""
    flag, _, value = arg.partition("=")
    return bool(value) and flag.startswith("-") and looks_like_credential(flag)


def _input_references(server: Mapping[str, Any]) -> list[str]:
    """Ids of VS Code ``${input:...}`` prompts the server's settings use."""
    text = repr(dict(server))
    return sorted(set(re.findall(r"\$\{input:([^}]+)\}", text)))


def _convert(document: Document, builder: ModelBuilder) -> ImportResult:
    if not isinstance(document.data, Mapping):
        raise MaestroInputError.single(
            document.source, None, "an MCP configuration is a JSON object"
        )
    return _Importer(document, builder).run()


FORMAT = ImportFormat(
    name="mcp",
    title="MCP client configuration",
    detect=_detect,
    convert=_convert,
)
