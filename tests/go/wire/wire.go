// Package wire gives the Go interop peers the per-message control and visibility of the gRPC
// compressed flag that grpc-go 1.33 does not offer through its API:
//
//   - Sending: grpc-go compresses every message of a call once a compressor is in effect. A
//     message wrapped in Uncompressed is sent with the compressed flag 0 anyway: the "proto"
//     codec registered here marshals it and remembers the marshaled buffer, and the "gzip"
//     compressors here (the encoding.Compressor registered for the client and for decompression,
//     and the legacy grpc.Compressor the server is given) write nothing for a remembered buffer.
//     grpc-go then sends the message uncompressed with flag 0 (rpc_util.go: compress returns a
//     nil slice, msgHeader sets compressionNone).
//   - Receiving: the stats handler records, per call, whether each received message was
//     compressed. grpc-go reports a message's length on the wire (WireLength, 5-byte prefix
//     included) and after decompression (Length); an uncompressed message always has
//     WireLength == Length+5, and a gzip-compressed one of the suite's zero-filled payloads never
//     does.
//
// It also records the outgoing messages' flags the same way, so the client can check that its
// own per-message compression came out as intended.
package wire

import (
	"compress/gzip"
	"context"
	"io"
	"sync"

	protov1 "github.com/golang/protobuf/proto"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/stats"
)

// Uncompressed wraps a message to be sent with the compressed flag 0 even on a compressed call.
type Uncompressed struct {
	Msg interface{}
}

// skip holds the first byte (of the backing array) of every marshaled buffer that must go out
// uncompressed.
var skip sync.Map

func key(b []byte) *byte {
	if cap(b) == 0 {
		return nil
	}
	return &b[:1][0]
}

func takeSkip(b []byte) bool {
	k := key(b)
	if k == nil {
		return false
	}
	_, ok := skip.Load(k)
	if ok {
		skip.Delete(k)
	}
	return ok
}

type codec struct{}

func (codec) Marshal(v interface{}) ([]byte, error) {
	if u, ok := v.(Uncompressed); ok {
		b, err := protov1.Marshal(u.Msg.(protov1.Message))
		if err != nil {
			return nil, err
		}
		if cap(b) == 0 {
			// An empty message: give it a backing array so it has an identity.
			b = make([]byte, 0, 1)
		}
		skip.Store(key(b), struct{}{})
		return b, nil
	}
	return protov1.Marshal(v.(protov1.Message))
}

func (codec) Unmarshal(data []byte, v interface{}) error {
	return protov1.Unmarshal(data, v.(protov1.Message))
}

func (codec) Name() string { return "proto" }

// gzipCompressor is grpc-go's encoding.Compressor for "gzip", skipping remembered buffers.
type gzipCompressor struct{}

type skippingWriter struct {
	out     io.Writer
	z       *gzip.Writer
	started bool
	discard bool
}

func (w *skippingWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		w.discard = takeSkip(p)
		if !w.discard {
			w.z = gzip.NewWriter(w.out)
		}
	}
	if w.discard {
		return len(p), nil
	}
	return w.z.Write(p)
}

func (w *skippingWriter) Close() error {
	if !w.started {
		w.started = true
		w.z = gzip.NewWriter(w.out)
	}
	if w.z != nil {
		return w.z.Close()
	}
	return nil
}

func (gzipCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	return &skippingWriter{out: w}, nil
}

func (gzipCompressor) Decompress(r io.Reader) (io.Reader, error) {
	return gzip.NewReader(r)
}

func (gzipCompressor) Name() string { return "gzip" }

// LegacyGzip is a grpc.Compressor (grpc.RPCCompressor), skipping remembered buffers. The server
// uses it to compress responses whatever the request's encoding was.
type LegacyGzip struct{}

// Do compresses p into w, or writes nothing if p is to go out uncompressed.
func (LegacyGzip) Do(w io.Writer, p []byte) error {
	if takeSkip(p) {
		return nil
	}
	z := gzip.NewWriter(w)
	if _, err := z.Write(p); err != nil {
		return err
	}
	return z.Close()
}

// Type is the grpc-encoding name.
func (LegacyGzip) Type() string { return "gzip" }

func init() {
	encoding.RegisterCodec(codec{})
	encoding.RegisterCompressor(gzipCompressor{})
}

// Recorder collects, for one call, the compressed flag of every message received and sent, and
// the grpc-encoding of the received headers.
type Recorder struct {
	mu          sync.Mutex
	in          []bool
	out         []bool
	compression string
}

// In returns the compressed flags of the received messages, in order.
func (r *Recorder) In() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.in...)
}

// Out returns the compressed flags of the sent messages, in order.
func (r *Recorder) Out() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.out...)
}

// LastIn returns the compressed flag of the last message received, and whether there was one.
func (r *Recorder) LastIn() (compressed bool, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.in) == 0 {
		return false, false
	}
	return r.in[len(r.in)-1], true
}

// Compression returns the grpc-encoding of the received headers ("" if none).
func (r *Recorder) Compression() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.compression
}

type recorderKey struct{}

// WithRecorder returns a context carrying a new Recorder, for a call made with it.
func WithRecorder(ctx context.Context) (context.Context, *Recorder) {
	r := &Recorder{}
	return context.WithValue(ctx, recorderKey{}, r), r
}

// RecorderFrom returns the call's Recorder, or nil.
func RecorderFrom(ctx context.Context) *Recorder {
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}

// StatsHandler feeds the call's Recorder. On a server every call gets one (TagRPC); on a client
// only calls whose context came from WithRecorder are recorded.
type StatsHandler struct {
	// Server is true for the server's handler: it creates a Recorder per call.
	Server bool
}

// TagRPC attaches a Recorder to a server call.
func (h StatsHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	if h.Server && RecorderFrom(ctx) == nil {
		ctx, _ = WithRecorder(ctx)
	}
	return ctx
}

// HandleRPC records message flags and the received grpc-encoding.
func (h StatsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	r := RecorderFrom(ctx)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch s := s.(type) {
	case *stats.InPayload:
		r.in = append(r.in, s.WireLength != s.Length+5)
	case *stats.OutPayload:
		r.out = append(r.out, s.WireLength != s.Length+5)
	case *stats.InHeader:
		r.compression = s.Compression
	}
}

// TagConn does nothing.
func (StatsHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

// HandleConn does nothing.
func (StatsHandler) HandleConn(context.Context, stats.ConnStats) {}
