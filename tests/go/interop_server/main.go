// Command interop_server is a grpc-go (1.33) server for the gRPC interop suite
// (grpc/grpc doc/interop-test-descriptions.md), written from the descriptions for this
// project's tests: grpc.testing.TestService with every server feature the client cases need.
//
//	interop_server --port N [--use_tls true|false] [--tls_cert_file F --tls_key_file F]
//	               [--reject_unexpected_compression true|false]
//
// --port 0 picks a free port. Once listening it prints `PORT <n>` on stdout; it serves until
// SIGTERM or SIGINT. Boolean flags take a value (`--use_tls true` or `--use_tls=true`).
//
// Features: EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall,
// StreamingInputCall, FullDuplexCall, HalfDuplexCall, CompressedResponse (per message),
// CompressedRequest (expect_compressed is checked against each request message's compressed
// flag; with --reject_unexpected_compression also expect_compressed=false), Echo Status, Echo
// Metadata, ResponseParameters.interval_us. UnimplementedCall and UnimplementedService answer
// UNIMPLEMENTED.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"grpcinterop/testpb"
	"grpcinterop/wire"
)

const (
	echoInitial  = "x-grpc-test-echo-initial"
	echoTrailing = "x-grpc-test-echo-trailing-bin"
)

// boolFlag is a boolean flag that takes its value as the next argument too (`--use_tls true`),
// as the interop harnesses pass it; the standard flag package would read `true` as a positional
// argument.
type boolFlag bool

func (b *boolFlag) String() string { return strconv.FormatBool(bool(*b)) }

func (b *boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	*b = boolFlag(v)
	return err
}

var (
	port                = flag.Int("port", 10000, "port to listen on (0 picks a free one)")
	useTLS              boolFlag
	certFile            = flag.String("tls_cert_file", "", "PEM certificate chain (with --use_tls true)")
	keyFile             = flag.String("tls_key_file", "", "PEM private key (with --use_tls true)")
	rejectUnexpectedCmp boolFlag
)

func init() {
	flag.Var(&useTLS, "use_tls", "serve TLS (true|false)")
	flag.Var(&rejectUnexpectedCmp, "reject_unexpected_compression",
		"also reject a compressed request message whose expect_compressed is false (true|false)")
}

// --- per-call response compression ------------------------------------------------------------
//
// The server runs with grpc.RPCCompressor(wire.LegacyGzip{}), so grpc-go would compress every
// response and announce grpc-encoding: gzip. The interceptors turn that off for every call (no
// grpc-encoding header, every message wrapped in wire.Uncompressed); a handler that wants
// compressed responses calls compressResponses, after which messages go compressed unless
// wrapped in wire.Uncompressed.

type callState struct {
	compress bool
}

type callStateKey struct{}

func stateFrom(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

// setSendCompress sets the call's grpc-encoding response header. grpc-go 1.33 has no API for
// it, but the ServerTransportStream in the handler's context is the transport stream, which has
// SetSendCompress.
func setSendCompress(ctx context.Context, name string) error {
	s, ok := grpc.ServerTransportStreamFromContext(ctx).(interface{ SetSendCompress(string) })
	if !ok {
		return status.Error(codes.Internal, "interop server: cannot set the response encoding")
	}
	s.SetSendCompress(name)
	return nil
}

// compressResponses makes the call's responses gzip-compressed (announced in grpc-encoding);
// call it before the first response is sent.
func compressResponses(ctx context.Context) error {
	if err := setSendCompress(ctx, "gzip"); err != nil {
		return err
	}
	stateFrom(ctx).compress = true
	return nil
}

func unaryInterceptor(ctx context.Context, req interface{}, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
	if err := setSendCompress(ctx, ""); err != nil {
		return nil, err
	}
	state := &callState{}
	reply, err := handler(context.WithValue(ctx, callStateKey{}, state), req)
	if err == nil && !state.compress {
		reply = wire.Uncompressed{Msg: reply}
	}
	return reply, err
}

type stateStream struct {
	grpc.ServerStream
	ctx   context.Context
	state *callState
}

func (s *stateStream) Context() context.Context { return s.ctx }

func (s *stateStream) SendMsg(m interface{}) error {
	if _, wrapped := m.(wire.Uncompressed); !wrapped && !s.state.compress {
		m = wire.Uncompressed{Msg: m}
	}
	return s.ServerStream.SendMsg(m)
}

func streamInterceptor(srv interface{}, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := setSendCompress(ss.Context(), ""); err != nil {
		return err
	}
	state := &callState{}
	return handler(srv, &stateStream{
		ServerStream: ss,
		ctx:          context.WithValue(ss.Context(), callStateKey{}, state),
		state:        state,
	})
}

// --- service ---------------------------------------------------------------------------------

type server struct {
	testpb.UnimplementedTestServiceServer
}

// echoMetadata sends back x-grpc-test-echo-initial as initial metadata (with the headers) and
// x-grpc-test-echo-trailing-bin as trailing metadata, whatever the call's outcome.
func echoMetadata(ctx context.Context, setHeader, setTrailer func(metadata.MD) error) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(echoInitial); len(v) > 0 {
		if err := setHeader(metadata.Pairs(echoInitial, v[0])); err != nil {
			return err
		}
	}
	if v := md.Get(echoTrailing); len(v) > 0 {
		if err := setTrailer(metadata.Pairs(echoTrailing, v[0])); err != nil {
			return err
		}
	}
	return nil
}

func unaryEcho(ctx context.Context) error {
	return echoMetadata(ctx,
		func(md metadata.MD) error { return grpc.SetHeader(ctx, md) },
		func(md metadata.MD) error { return grpc.SetTrailer(ctx, md) })
}

func streamEcho(stream grpc.ServerStream) error {
	return echoMetadata(stream.Context(), stream.SetHeader,
		func(md metadata.MD) error { stream.SetTrailer(md); return nil })
}

// checkCompression is CompressedRequest: expect_compressed against the flag of the request
// message just received.
func checkCompression(ctx context.Context, expect *testpb.BoolValue, index int) error {
	if expect == nil {
		return nil
	}
	compressed, ok := wire.RecorderFrom(ctx).LastIn()
	if !ok {
		return status.Errorf(codes.Internal, "interop server: compressed flag of request message #%d unknown", index)
	}
	if expect.Value && !compressed {
		return status.Errorf(codes.InvalidArgument, "expected compressed request message #%d, but it arrived uncompressed", index)
	}
	if !expect.Value && compressed && bool(rejectUnexpectedCmp) {
		return status.Errorf(codes.InvalidArgument, "expect_compressed=false but request message #%d arrived compressed", index)
	}
	return nil
}

func echoStatus(s *testpb.EchoStatus) error {
	if s != nil && s.Code != 0 {
		return status.Error(codes.Code(s.Code), s.Message)
	}
	return nil
}

func checkResponseType(t testpb.PayloadType) error {
	if t != testpb.PayloadType_COMPRESSABLE {
		return status.Errorf(codes.InvalidArgument, "unsupported response_type %v", t)
	}
	return nil
}

func payload(size int32) (*testpb.Payload, error) {
	if size < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "negative payload size %d", size)
	}
	return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: make([]byte, size)}, nil
}

func (server) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	if err := unaryEcho(ctx); err != nil {
		return nil, err
	}
	return &testpb.Empty{}, nil
}

func (server) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if err := unaryEcho(ctx); err != nil {
		return nil, err
	}
	if err := checkCompression(ctx, req.ExpectCompressed, 0); err != nil {
		return nil, err
	}
	if err := echoStatus(req.ResponseStatus); err != nil {
		return nil, err
	}
	if err := checkResponseType(req.ResponseType); err != nil {
		return nil, err
	}
	body, err := payload(req.ResponseSize)
	if err != nil {
		return nil, err
	}
	if req.ResponseCompressed.GetValue() {
		if err := compressResponses(ctx); err != nil {
			return nil, err
		}
	}
	return &testpb.SimpleResponse{Payload: body}, nil
}

func (server) CacheableUnaryCall(ctx context.Context, _ *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if err := unaryEcho(ctx); err != nil {
		return nil, err
	}
	if err := grpc.SetHeader(ctx, metadata.Pairs("cache-control", "max-age=60")); err != nil {
		return nil, err
	}
	body := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	return &testpb.SimpleResponse{Payload: &testpb.Payload{Body: body}}, nil
}

// respond sends one response per parameter, sleeping interval_us before each; on a compressed
// call, a parameter whose compressed is not true gets an uncompressed message.
func respond(stream grpc.ServerStream, params []*testpb.ResponseParameters) error {
	for _, p := range params {
		body, err := payload(p.Size)
		if err != nil {
			return err
		}
		if p.IntervalUs > 0 {
			time.Sleep(time.Duration(p.IntervalUs) * time.Microsecond)
		}
		var m interface{} = &testpb.StreamingOutputCallResponse{Payload: body}
		if !p.Compressed.GetValue() {
			m = wire.Uncompressed{Msg: m}
		}
		if err := stream.SendMsg(m); err != nil {
			return err
		}
	}
	return nil
}

func anyCompressed(params []*testpb.ResponseParameters) bool {
	for _, p := range params {
		if p.Compressed.GetValue() {
			return true
		}
	}
	return false
}

func (server) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, stream testpb.TestService_StreamingOutputCallServer) error {
	if err := streamEcho(stream); err != nil {
		return err
	}
	if err := echoStatus(req.ResponseStatus); err != nil {
		return err
	}
	if err := checkResponseType(req.ResponseType); err != nil {
		return err
	}
	if anyCompressed(req.ResponseParameters) {
		if err := compressResponses(stream.Context()); err != nil {
			return err
		}
	}
	return respond(stream, req.ResponseParameters)
}

func (server) StreamingInputCall(stream testpb.TestService_StreamingInputCallServer) error {
	if err := streamEcho(stream); err != nil {
		return err
	}
	total := 0
	for index := 0; ; index++ {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: int32(total)})
		}
		if err != nil {
			return err
		}
		if err := checkCompression(stream.Context(), req.ExpectCompressed, index); err != nil {
			return err
		}
		total += len(req.GetPayload().GetBody())
	}
}

func (server) FullDuplexCall(stream testpb.TestService_FullDuplexCallServer) error {
	if err := streamEcho(stream); err != nil {
		return err
	}
	for first := true; ; first = false {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := echoStatus(req.ResponseStatus); err != nil {
			return err
		}
		if err := checkResponseType(req.ResponseType); err != nil {
			return err
		}
		// The response encoding goes out with the headers: the first request decides it.
		if first && anyCompressed(req.ResponseParameters) {
			if err := compressResponses(stream.Context()); err != nil {
				return err
			}
		}
		if err := respond(stream, req.ResponseParameters); err != nil {
			return err
		}
	}
}

func (server) HalfDuplexCall(stream testpb.TestService_HalfDuplexCallServer) error {
	if err := streamEcho(stream); err != nil {
		return err
	}
	var params []*testpb.ResponseParameters
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := echoStatus(req.ResponseStatus); err != nil {
			return err
		}
		if err := checkResponseType(req.ResponseType); err != nil {
			return err
		}
		params = append(params, req.ResponseParameters...)
	}
	if anyCompressed(params) {
		if err := compressResponses(stream.Context()); err != nil {
			return err
		}
	}
	return respond(stream, params)
}

func main() {
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "interop_server: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	opts := []grpc.ServerOption{
		grpc.RPCCompressor(wire.LegacyGzip{}),
		grpc.StatsHandler(wire.StatsHandler{Server: true}),
		grpc.UnaryInterceptor(unaryInterceptor),
		grpc.StreamInterceptor(streamInterceptor),
		grpc.MaxRecvMsgSize(16 << 20),
	}
	if useTLS {
		if *certFile == "" || *keyFile == "" {
			fmt.Fprintln(os.Stderr, "interop_server: --use_tls true needs --tls_cert_file and --tls_key_file")
			os.Exit(2)
		}
		creds, err := credentials.NewServerTLSFromFile(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "interop_server: %v\n", err)
			os.Exit(1)
		}
		opts = append(opts, grpc.Creds(creds))
	}
	lis, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop_server: %v\n", err)
		os.Exit(1)
	}
	s := grpc.NewServer(opts...)
	testpb.RegisterTestServiceServer(s, server{})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		done := make(chan struct{})
		go func() { s.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			s.Stop()
		}
	}()

	fmt.Printf("PORT %d\n", lis.Addr().(*net.TCPAddr).Port)
	if err := s.Serve(lis); err != nil {
		fmt.Fprintf(os.Stderr, "interop_server: %v\n", err)
		os.Exit(1)
	}
}
