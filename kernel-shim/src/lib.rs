//! A minimal exokernel in user space: a frame pool with reference-counted handles, NIC backends
//! (pcap file, TAP, AF_PACKET, a simulated lossy wire), environments with capabilities, safe filter
//! ownership checked with the dpf graph's overlap queries, and wake-up predicates re-armed by
//! parameter rather than recompiled.
