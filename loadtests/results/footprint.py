"""What each front end brings with it (`make footprint`): the schema of footprint.json."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from loadtests.results.machine import Machine


class Package(BaseModel):
    name: str
    version: str
    installed_mib: float


class FrontEndFootprint(BaseModel):
    front_end: str
    factory: str
    packages: list[Package] = Field(description="distributions its app loads that the core alone does not")
    import_seconds: list[float] = Field(
        description="importing and building the app, each in a fresh interpreter"
    )
    core_import_seconds: list[float] = Field(description="importing the core's services, the same way")

    @property
    def installed_mib(self) -> float:
        return round(sum(p.installed_mib for p in self.packages), 1)


class IdleServer(BaseModel):
    server: str
    front_end: str
    worker_uss_mib: float = Field(description="the serving process's own memory, after a few requests")
    worker_pss_mib: float
    tree_uss_mib: float = Field(description="every process of the server: master and workers")


class FootprintResults(BaseModel):
    started_at: datetime
    machine: Machine
    python: str
    core_packages: list[Package] = Field(description="distributions the core's services load")
    front_ends: list[FrontEndFootprint]
    servers: list[IdleServer]
