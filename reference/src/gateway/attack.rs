//! Model attacks on gateway registration, replayed on the reference (below).
