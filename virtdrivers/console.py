"""Console descriptions a driver returns (``nova.console.type``)."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ConsoleVNC:
    host: str
    port: int
    internal_access_path: str | None = None


@dataclasses.dataclass(frozen=True)
class ConsoleSpice:
    host: str
    port: int
    tlsPort: int | None = None  # noqa: N815 - Nova's attribute name
    internal_access_path: str | None = None


@dataclasses.dataclass(frozen=True)
class ConsoleSerial:
    host: str
    port: int
    internal_access_path: str | None = None


@dataclasses.dataclass(frozen=True)
class ConsoleMKS:
    host: str
    port: int
    internal_access_path: str | None = None
