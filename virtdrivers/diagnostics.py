"""Instance diagnostics (``nova.virt.diagnostics``): a versioned record."""

import dataclasses


@dataclasses.dataclass
class CpuDiagnostics:
    id: int | None = None
    time: int | None = None        # ns of CPU time used
    utilisation: int | None = None


@dataclasses.dataclass
class NicDiagnostics:
    mac_address: str | None = None
    rx_octets: int = 0
    rx_errors: int = 0
    rx_drop: int = 0
    rx_packets: int = 0
    tx_octets: int = 0
    tx_errors: int = 0
    tx_drop: int = 0
    tx_packets: int = 0


@dataclasses.dataclass
class DiskDiagnostics:
    read_bytes: int = 0
    read_requests: int = 0
    write_bytes: int = 0
    write_requests: int = 0
    errors_count: int = 0


@dataclasses.dataclass
class Diagnostics:
    """What ``get_instance_diagnostics`` returns."""

    state: str | None = None
    driver: str | None = None
    hypervisor: str | None = None
    hypervisor_os: str | None = None
    uptime: int | None = None
    config_drive: bool = False
    memory_details: dict = dataclasses.field(
        default_factory=lambda: {'maximum': 0, 'used': 0})
    cpu_details: list = dataclasses.field(default_factory=list)
    nic_details: list = dataclasses.field(default_factory=list)
    disk_details: list = dataclasses.field(default_factory=list)

    @property
    def num_cpus(self):
        return len(self.cpu_details)

    @property
    def num_nics(self):
        return len(self.nic_details)

    @property
    def num_disks(self):
        return len(self.disk_details)

    def serialize(self):
        data = dataclasses.asdict(self)
        data.update(num_cpus=self.num_cpus, num_nics=self.num_nics,
                    num_disks=self.num_disks, version='1.0')
        return data
