//! Ethernet, ARP, IPv4, ICMP, UDP and TCP written in the Erlang subset (`protocols/erl/`), and the
//! Rust harness that runs them on the annex and tests them against Linux and smoltcp.
