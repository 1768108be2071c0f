//! The IKEv2 ends on UDP.
