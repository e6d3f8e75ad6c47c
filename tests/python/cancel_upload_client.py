#!/usr/bin/env python3
"""Starts a client-streaming upload (termination.Uploads/Upload), sends two items, then
abandons it with grpcio's `cancel()` while the request stream is still open.

  cancel_upload_client.py --addr host:port

The Rust test checks that its handler saw CANCELLED, not a clean end of stream, and committed
nothing. Messages are sent as raw bytes (Item { n } is field 1, a varint), so no stubs are
needed. Prints `ok cancelled` when grpcio reports the call as cancelled.
"""

import argparse
import sys
import threading
import time

import grpc


def item(n):
    return bytes([0x08, n])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--addr", required=True)
    args = parser.parse_args()

    hold = threading.Event()

    def items():
        yield item(1)
        yield item(2)
        hold.wait(10)  # the request stream stays open until the call is cancelled

    with grpc.insecure_channel(args.addr) as channel:
        upload = channel.stream_unary(
            "/termination.Uploads/Upload",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        future = upload.future(items())
        time.sleep(0.5)
        if not future.cancel():
            print("cancel() returned False: the call had already finished", file=sys.stderr)
            sys.exit(1)
        hold.set()
        if not future.cancelled():
            print("the call is not marked cancelled", file=sys.stderr)
            sys.exit(1)
        # Give the RST_STREAM time to leave before the channel closes.
        time.sleep(0.3)
    print("ok cancelled")


if __name__ == "__main__":
    main()
