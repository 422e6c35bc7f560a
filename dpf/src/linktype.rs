//! Link-layer header types, as written in a capture file's header (`LINKTYPE_*` values).

use std::fmt;

/// A capture's link-layer header type: the `LINKTYPE_*` number of the pcap/pcapng header, with
/// any FCS-length bits (the top bits of a pcap header's `network` field) removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte host-order address family.
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IPv4 or IPv6 (version nibble decides).
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: a 4-byte network-order address family.
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// From a pcap header's `network` field: strips the FCS-length bits (bits 26..31).
    pub fn from_pcap_header(network: u32) -> LinkType {
        LinkType(network & 0x03ff_ffff)
    }

    /// libpcap's `DLT_*` number for this link type (what `pcap_open_dead` takes).
    pub fn to_dlt(self) -> u32 {
        match self.0 {
            101 => 12, // DLT_RAW on Linux
            n => n,
        }
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL (BSD loopback)",
            1 => "EN10MB (Ethernet)",
            101 => "RAW (raw IP)",
            108 => "LOOP (OpenBSD loopback)",
            113 => "LINUX_SLL (Linux cooked v1)",
            228 => "IPV4 (raw IPv4)",
            229 => "IPV6 (raw IPv6)",
            276 => "LINUX_SLL2 (Linux cooked v2)",
            _ => "unsupported",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}
