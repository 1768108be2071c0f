//! Serving a TCP listener, for every reference server: each connection on a thread of its
//! own, at most [`CONCURRENT`] at once (a further one waits in the listener's backlog), each
//! thread joined when it ends; and [`Deadline`], a whole-connection time limit, so that a
//! peer trickling a byte at a time holds a connection no longer than that.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most connections served at once.
pub const CONCURRENT: usize = 32;

/// Serve each connection of `listener` with `serve` (its number from 1, the stream) on a
/// thread of its own; with `connections`, return once that many have ended. `unserved` is
/// told of a connection no thread could be started for (it is closed).
pub fn concurrently(
    listener: &TcpListener,
    connections: Option<u64>,
    serve: impl Fn(u64, TcpStream) + Send + Sync + Clone + 'static,
    unserved: impl Fn(u64, String),
) -> Result<(), String> {
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    for (n, tcp) in listener.incoming().enumerate() {
        let id = n as u64 + 1;
        let tcp = tcp.map_err(|e| format!("accept: {e}"))?;
        let each = serve.clone();
        match std::thread::Builder::new().spawn(move || each(id, tcp)) {
            Ok(t) => threads.push(t),
            Err(e) => unserved(id, format!("not served: no thread for it ({e})")),
        }
        if connections.is_some_and(|max| id >= max) {
            break;
        }
        // Join the threads that ended; at the limit, wait for one to end.
        loop {
            let (ended, running): (Vec<_>, Vec<_>) =
                threads.drain(..).partition(|t| t.is_finished());
            threads = running;
            ended.into_iter().for_each(|t| drop(t.join()));
            if threads.len() < CONCURRENT {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

/// Serve `listener` as a server command does: with `once`, its first connection, whose
/// result is the command's; else every connection, [`concurrently`], each failure told
/// on stderr after `who`.
pub fn once_or_concurrently(
    listener: &TcpListener,
    once: bool,
    who: &'static str,
    serve: impl Fn(TcpStream) -> Result<(), String> + Send + Sync + 'static,
) -> Result<(), String> {
    if once {
        let (stream, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
        return serve(stream);
    }
    // Each connection on a thread of its own: a slow peer holds only its own.
    let serve = std::sync::Arc::new(serve);
    let each = move |_, stream| {
        if let Err(e) = serve(stream) {
            eprintln!("{who}: {e}");
        }
    };
    concurrently(listener, None, each, |_, why| eprintln!("{who}: {why}"))
}

/// A stream that fails every read and write once `total` has passed since it was made, and
/// any single read or write that waits longer than `idle`.
pub struct Deadline {
    stream: TcpStream,
    until: Instant,
    idle: Duration,
    total: Duration,
}

impl Deadline {
    pub fn new(stream: TcpStream, idle: Duration, total: Duration) -> Deadline {
        Deadline {
            stream,
            until: Instant::now() + total,
            idle,
            total,
        }
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// The time a read or write may wait now.
    fn wait(&self) -> io::Result<Duration> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the connection took longer than {} s", self.total.as_secs()),
            ));
        }
        Ok(left.min(self.idle))
    }
}

impl Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = self.wait()?;
        self.stream.set_read_timeout(Some(wait))?;
        self.stream.read(buf).map_err(|e| timed_out(e, wait))
    }
}

impl Write for Deadline {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wait = self.wait()?;
        self.stream.set_write_timeout(Some(wait))?;
        self.stream.write(buf).map_err(|e| timed_out(e, wait))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// A read or write timeout in words ("no answer within 5 s"), not as EAGAIN.
fn timed_out(e: io::Error, wait: Duration) -> io::Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "no data from the peer within {:.0} s",
                wait.as_secs_f64().ceil()
            ),
        ),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trickling_peer_meets_the_deadline() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let peer = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            for _ in 0..30 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let (s, _) = l.accept().unwrap();
        let mut d = Deadline::new(s, Duration::from_secs(1), Duration::from_millis(400));
        let t0 = Instant::now();
        let mut buf = [0u8; 1];
        let err = loop {
            if let Err(e) = d.read_exact(&mut buf) {
                break e;
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains("longer than 0 s") || err.to_string().contains("within"));
        assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
        drop(d);
        peer.join().unwrap();
    }
}
