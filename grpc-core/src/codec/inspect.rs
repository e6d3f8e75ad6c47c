//! Watches the gRPC frames of a request body go by and records each message's compressed flag,
//! so that a handler can tell whether a given message arrived compressed (tonic's decoder does
//! the decoding but does not expose the flag).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};

/// The compressed flags of the messages seen so far, oldest first.
pub(crate) type Flags = Arc<Mutex<VecDeque<bool>>>;

/// A body that passes everything through, noting the compressed flag of each frame header.
pub(crate) struct InspectBody<B> {
    inner: B,
    flags: Flags,
    header: [u8; 5],
    header_len: usize,
    payload_left: usize,
}

impl<B> InspectBody<B> {
    pub(crate) fn new(inner: B) -> (Self, Flags) {
        let flags = Flags::default();
        let body = InspectBody {
            inner,
            flags: flags.clone(),
            header: [0; 5],
            header_len: 0,
            payload_left: 0,
        };
        (body, flags)
    }

    fn scan(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.payload_left > 0 {
                let skip = self.payload_left.min(data.len());
                self.payload_left -= skip;
                data = &data[skip..];
                continue;
            }
            let take = (5 - self.header_len).min(data.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&data[..take]);
            self.header_len += take;
            data = &data[take..];
            if self.header_len == 5 {
                self.header_len = 0;
                self.payload_left = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]) as usize;
                if let Ok(mut flags) = self.flags.lock() {
                    flags.push_back(self.header[0] != 0);
                }
            }
        }
    }
}

impl<B> Body for InspectBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref().cloned() {
                self.scan(&data);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_frames_split_anywhere() {
        let mut stream = Vec::new();
        for (flag, len) in [(1u8, 3usize), (0, 0), (1, 7), (0, 2)] {
            stream.push(flag);
            stream.extend_from_slice(&(len as u32).to_be_bytes());
            stream.extend(std::iter::repeat_n(9u8, len));
        }
        for split in 1..stream.len() {
            let (mut body, flags) = InspectBody::new(http_body_util::Empty::<Bytes>::new());
            for chunk in stream.chunks(split) {
                body.scan(chunk);
            }
            let seen: Vec<bool> = flags.lock().unwrap().iter().copied().collect();
            assert_eq!(seen, [true, false, true, false], "chunks of {split}");
        }
    }
}
