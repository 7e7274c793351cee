"""What the fake driver remembers about one instance."""

import dataclasses
import time

from virtdrivers import power_state


@dataclasses.dataclass
class FakeInstance:
    uuid: str
    name: str
    flavor: object
    image_id: str | None
    state: int = power_state.RUNNING
    disks: dict = dataclasses.field(default_factory=dict)       # name -> GiB
    volumes: dict = dataclasses.field(default_factory=dict)     # mountpoint -> info
    vifs: dict = dataclasses.field(default_factory=dict)        # vif id -> vif
    injected_files: list = dataclasses.field(default_factory=list)
    config_drive: bool = False
    rescued: bool = False
    frozen: bool = False
    soft_deleted: bool = False
    admin_password_set: bool = False
    pending_migration: dict | None = None
    console: list = dataclasses.field(default_factory=list)
    started_at: float = dataclasses.field(default_factory=time.time)

    def log(self, line):
        self.console.append('[%10.3f] %s' % (time.time() - self.started_at, line))
