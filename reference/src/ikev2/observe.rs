//! A recorded IKEv2 exchange of third-party peers, replayed.
