// Command interop_client is a grpc-go (1.33) client for the gRPC interop suite
// (grpc/grpc doc/interop-test-descriptions.md), written from the descriptions for this
// project's tests.
//
//	interop_client --server_host H --server_port P --test_case NAME|all
//	               [--use_tls true|false] [--use_test_ca true|false] [--ca_file F]
//	               [--server_host_override NAME] [--rpc_timeout D] [--connect_timeout D]
//
// grpc-go's flag names. Boolean flags take a value (`--use_tls true` or `--use_tls=true`).
// With TLS the certificate is verified against --ca_file (required by --use_test_ca true, as
// grpc's ca.pem is not bundled) or the system roots, for the name --server_host_override (also
// the :authority), else --server_host.
//
// Prints `PASS <case>` or `FAIL <case>: <reason>` per case, and with `all` a final
// `N passed, M failed`. Exits 0 if every case passed, 1 if one failed, 2 on bad arguments.
// Each case runs on a fresh connection.
//
// Compressed flags: grpc-go does not expose them, so the client reads them from its stats
// handler (see package wire), checks its own outgoing ones too, and sends the uncompressed
// message of client_compressed_streaming with flag 0 on the compressed call through
// wire.Uncompressed. server_compressed_unary and server_compressed_streaming add
// `grpc-accept-encoding: gzip`, which grpc-go 1.33 does not send on uncompressed calls.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"grpcinterop/testpb"
	"grpcinterop/wire"
)

// boolFlag is a boolean flag that takes its value as the next argument too (`--use_tls true`).
type boolFlag bool

func (b *boolFlag) String() string { return strconv.FormatBool(bool(*b)) }

func (b *boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	*b = boolFlag(v)
	return err
}

var (
	serverHost         = flag.String("server_host", "localhost", "server host")
	serverPort         = flag.Int("server_port", 10000, "server port")
	serverHostOverride = flag.String("server_host_override", "", "name for TLS verification, SNI and :authority")
	testCase           = flag.String("test_case", "large_unary", "test case to run, or all")
	caFile             = flag.String("ca_file", "", "PEM root CA(s) for TLS")
	rpcTimeout         = flag.Duration("rpc_timeout", 20*time.Second, "deadline of each RPC (except the 1 ms one)")
	connectTimeout     = flag.Duration("connect_timeout", 10*time.Second, "time to wait for the connection")
	keepaliveTime      = flag.Duration("keepalive_time", 0, "client keepalive ping interval (0: off; grpc-go raises anything under 10s to 10s)")
	hold               = flag.Duration("hold", 30*time.Second, "how long keepalive_hold keeps its stream open and quiet")
	useTLS             boolFlag
	useTestCA          boolFlag
)

func init() {
	flag.Var(&useTLS, "use_tls", "connect with TLS (true|false)")
	flag.Var(&useTestCA, "use_test_ca", "trust the test CA given by --ca_file instead of the system roots (true|false)")
}

// cases, in the order `all` runs them (the Rust interop client's order).
var cases = []struct {
	name string
	run  func(*env) error
}{
	{"empty_unary", emptyUnary},
	{"large_unary", largeUnary},
	{"client_compressed_unary", clientCompressedUnary},
	{"server_compressed_unary", serverCompressedUnary},
	{"client_streaming", clientStreaming},
	{"client_compressed_streaming", clientCompressedStreaming},
	{"server_streaming", serverStreaming},
	{"server_compressed_streaming", serverCompressedStreaming},
	{"ping_pong", pingPong},
	{"empty_stream", emptyStream},
	{"custom_metadata", customMetadata},
	{"status_code_and_message", statusCodeAndMessage},
	{"special_status_message", specialStatusMessage},
	{"unimplemented_method", unimplementedMethod},
	{"unimplemented_service", unimplementedService},
	{"cancel_after_begin", cancelAfterBegin},
	{"cancel_after_first_response", cancelAfterFirstResponse},
	{"timeout_on_sleeping_server", timeoutOnSleepingServer},
}

// extraCases run only when named: they are not part of the interop suite.
var extraCases = []struct {
	name string
	run  func(*env) error
}{
	{"keepalive_hold", keepaliveHold},
}

var (
	requestSizes  = []int{27182, 8, 1828, 45904}
	responseSizes = []int{31415, 9, 2653, 58979}
)

const specialMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"

type env struct {
	conn   *grpc.ClientConn
	client testpb.TestServiceClient
}

// call returns a context for one RPC with the usual deadline and a Recorder of its messages'
// compressed flags.
func (e *env) call() (context.Context, context.CancelFunc, *wire.Recorder) {
	ctx, cancel := context.WithTimeout(context.Background(), *rpcTimeout)
	ctx, rec := wire.WithRecorder(ctx)
	return ctx, cancel, rec
}

func zeros(n int) *testpb.Payload { return &testpb.Payload{Body: make([]byte, n)} }

func checkBody(p *testpb.Payload, size int, what string) error {
	body := p.GetBody()
	if len(body) != size {
		return fmt.Errorf("%s is %d bytes, expected %d", what, len(body), size)
	}
	if !bytes.Equal(body, make([]byte, size)) {
		return fmt.Errorf("%s is not all zeros", what)
	}
	return nil
}

func unexpected(what string, err error) error {
	s := status.Convert(err)
	return fmt.Errorf("%s: unexpected status %v: %q", what, s.Code(), s.Message())
}

// expectCode checks that err is a status with code (and, unless message is nil, that message).
func expectCode(what string, err error, code codes.Code, message *string) error {
	if err == nil {
		return fmt.Errorf("%s: expected %v, but the call succeeded", what, code)
	}
	s := status.Convert(err)
	if s.Code() != code {
		return fmt.Errorf("%s: expected %v, got %v: %q", what, code, s.Code(), s.Message())
	}
	if message != nil && s.Message() != *message {
		return fmt.Errorf("%s: expected message %q, got %q", what, *message, s.Message())
	}
	return nil
}

func flagsEqual(got, want []bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func emptyUnary(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	reply, err := e.client.EmptyCall(ctx, &testpb.Empty{})
	if err != nil {
		return unexpected("EmptyCall", err)
	}
	if reply == nil {
		return errors.New("EmptyCall returned a nil response")
	}
	if n := proto.Size(reply); n != 0 {
		return fmt.Errorf("response serializes to %d bytes, expected 0", n)
	}
	return nil
}

func largeUnary(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	reply, err := e.client.UnaryCall(ctx, &testpb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)})
	if err != nil {
		return unexpected("UnaryCall", err)
	}
	return checkBody(reply.Payload, 314159, "response payload")
}

func clientCompressedUnary(e *env) error {
	request := func(expect bool) *testpb.SimpleRequest {
		return &testpb.SimpleRequest{
			ResponseSize:     314159,
			Payload:          zeros(271828),
			ExpectCompressed: &testpb.BoolValue{Value: expect},
		}
	}
	steps := []struct {
		what       string
		expect     bool
		compressed bool
		probe      bool
	}{
		{"probe (uncompressed, expect_compressed=true)", true, false, true},
		{"compressed call", true, true, false},
		{"uncompressed call", false, false, false},
	}
	for _, step := range steps {
		ctx, cancel, rec := e.call()
		var opts []grpc.CallOption
		if step.compressed {
			opts = append(opts, grpc.UseCompressor("gzip"))
		}
		reply, err := e.client.UnaryCall(ctx, request(step.expect), opts...)
		cancel()
		if out := rec.Out(); !flagsEqual(out, []bool{step.compressed}) {
			return fmt.Errorf("%s: sent compressed flags %v, meant [%v]", step.what, out, step.compressed)
		}
		if step.probe {
			if err := expectCode(step.what, err, codes.InvalidArgument, nil); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return unexpected(step.what, err)
		}
		if err := checkBody(reply.Payload, 314159, step.what+" response payload"); err != nil {
			return err
		}
	}
	return nil
}

// acceptGzip announces that the client takes gzip responses. grpc-go 1.33 sends
// grpc-accept-encoding only on calls it compresses itself (and then only their own encoding),
// although it decompresses every registered compressor; a server honouring the header would
// then rightly not compress. Later grpc-go versions announce every registered compressor.
func acceptGzip(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "grpc-accept-encoding", "gzip")
}

func serverCompressedUnary(e *env) error {
	for _, compressed := range []bool{true, false} {
		ctx, cancel, rec := e.call()
		reply, err := e.client.UnaryCall(acceptGzip(ctx), &testpb.SimpleRequest{
			ResponseCompressed: &testpb.BoolValue{Value: compressed},
			ResponseSize:       314159,
			Payload:            zeros(271828),
		})
		cancel()
		what := fmt.Sprintf("response_compressed=%v", compressed)
		if err != nil {
			return unexpected(what, err)
		}
		if err := checkBody(reply.Payload, 314159, what+" response payload"); err != nil {
			return err
		}
		if in := rec.In(); !flagsEqual(in, []bool{compressed}) {
			return fmt.Errorf("%s: response compressed flags %v (grpc-encoding %q)", what, in, rec.Compression())
		}
	}
	return nil
}

func clientStreaming(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	stream, err := e.client.StreamingInputCall(ctx)
	if err != nil {
		return unexpected("StreamingInputCall", err)
	}
	for _, size := range requestSizes {
		if err := stream.Send(&testpb.StreamingInputCallRequest{Payload: zeros(size)}); err != nil {
			return unexpected(fmt.Sprintf("sending %d bytes", size), stream.RecvMsg(new(testpb.StreamingInputCallResponse)))
		}
	}
	reply, err := stream.CloseAndRecv()
	if err != nil {
		return unexpected("StreamingInputCall", err)
	}
	if reply.AggregatedPayloadSize != 74922 {
		return fmt.Errorf("aggregated_payload_size %d, expected 74922", reply.AggregatedPayloadSize)
	}
	return nil
}

func clientCompressedStreaming(e *env) error {
	// The probe: one uncompressed message that claims compression must be rejected.
	ctx, cancel, rec := e.call()
	stream, err := e.client.StreamingInputCall(ctx)
	if err != nil {
		cancel()
		return unexpected("probe", err)
	}
	err = stream.Send(&testpb.StreamingInputCallRequest{
		ExpectCompressed: &testpb.BoolValue{Value: true},
		Payload:          zeros(27182),
	})
	if err == nil || err == io.EOF {
		_, err = stream.CloseAndRecv()
	}
	cancel()
	if out := rec.Out(); !flagsEqual(out, []bool{false}) {
		return fmt.Errorf("probe: sent compressed flags %v, meant [false]", out)
	}
	if err := expectCode("probe", err, codes.InvalidArgument, nil); err != nil {
		return err
	}

	// A gzip call: the first message compressed, the second not (wire.Uncompressed).
	ctx, cancel, rec = e.call()
	defer cancel()
	stream, err = e.client.StreamingInputCall(ctx, grpc.UseCompressor("gzip"))
	if err != nil {
		return unexpected("compressed call", err)
	}
	messages := []interface{}{
		&testpb.StreamingInputCallRequest{ExpectCompressed: &testpb.BoolValue{Value: true}, Payload: zeros(27182)},
		wire.Uncompressed{Msg: &testpb.StreamingInputCallRequest{ExpectCompressed: &testpb.BoolValue{Value: false}, Payload: zeros(45904)}},
	}
	for i, m := range messages {
		if err := stream.SendMsg(m); err != nil {
			return unexpected(fmt.Sprintf("sending message #%d", i), stream.RecvMsg(new(testpb.StreamingInputCallResponse)))
		}
	}
	reply, err := stream.CloseAndRecv()
	if out := rec.Out(); !flagsEqual(out, []bool{true, false}) {
		return fmt.Errorf("compressed call: sent compressed flags %v, meant [true false]", out)
	}
	if err != nil {
		return unexpected("compressed call", err)
	}
	if reply.AggregatedPayloadSize != 73086 {
		return fmt.Errorf("aggregated_payload_size %d, expected 73086", reply.AggregatedPayloadSize)
	}
	return nil
}

// receiveAll reads a response stream to its end, checking the payload sizes.
func receiveAll(stream grpc.ClientStream, sizes []int) error {
	for i := 0; ; i++ {
		var reply testpb.StreamingOutputCallResponse
		err := stream.RecvMsg(&reply)
		if err == io.EOF {
			if i != len(sizes) {
				return fmt.Errorf("%d responses, expected %d", i, len(sizes))
			}
			return nil
		}
		if err != nil {
			return unexpected(fmt.Sprintf("response #%d", i), err)
		}
		if i >= len(sizes) {
			return fmt.Errorf("more than %d responses", len(sizes))
		}
		if err := checkBody(reply.Payload, sizes[i], fmt.Sprintf("response #%d payload", i)); err != nil {
			return err
		}
	}
}

func serverStreaming(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	req := &testpb.StreamingOutputCallRequest{}
	for _, size := range responseSizes {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: int32(size)})
	}
	stream, err := e.client.StreamingOutputCall(ctx, req)
	if err != nil {
		return unexpected("StreamingOutputCall", err)
	}
	return receiveAll(stream, responseSizes)
}

func serverCompressedStreaming(e *env) error {
	ctx, cancel, rec := e.call()
	defer cancel()
	stream, err := e.client.StreamingOutputCall(acceptGzip(ctx), &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{
			{Compressed: &testpb.BoolValue{Value: true}, Size: 31415},
			{Compressed: &testpb.BoolValue{Value: false}, Size: 92653},
		},
	})
	if err != nil {
		return unexpected("StreamingOutputCall", err)
	}
	if err := receiveAll(stream, []int{31415, 92653}); err != nil {
		return err
	}
	if in := rec.In(); !flagsEqual(in, []bool{true, false}) {
		return fmt.Errorf("response compressed flags %v, expected [true false] (grpc-encoding %q)", in, rec.Compression())
	}
	return nil
}

func pingPong(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	stream, err := e.client.FullDuplexCall(ctx)
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	for i, size := range requestSizes {
		err := stream.Send(&testpb.StreamingOutputCallRequest{
			ResponseParameters: []*testpb.ResponseParameters{{Size: int32(responseSizes[i])}},
			Payload:            zeros(size),
		})
		if err != nil {
			return unexpected(fmt.Sprintf("sending request #%d", i), stream.RecvMsg(new(testpb.StreamingOutputCallResponse)))
		}
		reply, err := stream.Recv()
		if err == io.EOF {
			return fmt.Errorf("the call ended before response #%d", i)
		}
		if err != nil {
			return unexpected(fmt.Sprintf("response #%d", i), err)
		}
		if err := checkBody(reply.Payload, responseSizes[i], fmt.Sprintf("response #%d payload", i)); err != nil {
			return err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return unexpected("half-close", err)
	}
	return receiveAll(stream, nil)
}

func emptyStream(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	stream, err := e.client.FullDuplexCall(ctx)
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	if err := stream.CloseSend(); err != nil {
		return unexpected("half-close", err)
	}
	return receiveAll(stream, nil)
}

func customMetadata(e *env) error {
	const initialValue = "test_initial_metadata_value"
	trailingValue := string([]byte{0xab, 0xab, 0xab})
	withMetadata := func(ctx context.Context) context.Context {
		return metadata.AppendToOutgoingContext(ctx,
			"x-grpc-test-echo-initial", initialValue,
			"x-grpc-test-echo-trailing-bin", trailingValue)
	}
	check := func(what string, header, trailer metadata.MD) error {
		if got := header.Get("x-grpc-test-echo-initial"); len(got) != 1 || got[0] != initialValue {
			return fmt.Errorf("%s: initial metadata x-grpc-test-echo-initial = %q", what, got)
		}
		if got := trailer.Get("x-grpc-test-echo-trailing-bin"); len(got) != 1 || got[0] != trailingValue {
			return fmt.Errorf("%s: trailing metadata x-grpc-test-echo-trailing-bin = %q", what, got)
		}
		return nil
	}

	ctx, cancel, _ := e.call()
	var header, trailer metadata.MD
	reply, err := e.client.UnaryCall(withMetadata(ctx),
		&testpb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)},
		grpc.Header(&header), grpc.Trailer(&trailer))
	cancel()
	if err != nil {
		return unexpected("UnaryCall", err)
	}
	if err := checkBody(reply.Payload, 314159, "UnaryCall response payload"); err != nil {
		return err
	}
	if err := check("UnaryCall", header, trailer); err != nil {
		return err
	}

	ctx, cancel, _ = e.call()
	defer cancel()
	stream, err := e.client.FullDuplexCall(withMetadata(ctx))
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	err = stream.Send(&testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 314159}},
		Payload:            zeros(271828),
	})
	if err != nil && err != io.EOF {
		return unexpected("FullDuplexCall send", err)
	}
	if err := stream.CloseSend(); err != nil {
		return unexpected("half-close", err)
	}
	if err := receiveAll(stream, []int{314159}); err != nil {
		return fmt.Errorf("FullDuplexCall: %v", err)
	}
	header, err = stream.Header()
	if err != nil {
		return unexpected("FullDuplexCall headers", err)
	}
	return check("FullDuplexCall", header, stream.Trailer())
}

func echoStatusCall(e *env, message string, fullDuplex bool) error {
	echo := &testpb.EchoStatus{Code: 2, Message: message}
	ctx, cancel, _ := e.call()
	_, err := e.client.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: echo})
	cancel()
	if err := expectCode("UnaryCall", err, codes.Unknown, &message); err != nil {
		return err
	}
	if !fullDuplex {
		return nil
	}
	ctx, cancel, _ = e.call()
	defer cancel()
	stream, err := e.client.FullDuplexCall(ctx)
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	if err := stream.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: echo}); err != nil && err != io.EOF {
		return unexpected("FullDuplexCall send", err)
	}
	if err := stream.CloseSend(); err != nil {
		return unexpected("half-close", err)
	}
	for {
		if _, err = stream.Recv(); err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	return expectCode("FullDuplexCall", err, codes.Unknown, &message)
}

func statusCodeAndMessage(e *env) error {
	return echoStatusCall(e, "test status message", true)
}

func specialStatusMessage(e *env) error {
	return echoStatusCall(e, specialMessage, false)
}

func unimplementedMethod(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	_, err := e.client.UnimplementedCall(ctx, &testpb.Empty{})
	return expectCode("TestService/UnimplementedCall", err, codes.Unimplemented, nil)
}

func unimplementedService(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	_, err := testpb.NewUnimplementedServiceClient(e.conn).UnimplementedCall(ctx, &testpb.Empty{})
	return expectCode("UnimplementedService/UnimplementedCall", err, codes.Unimplemented, nil)
}

func cancelAfterBegin(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	ctx, cancelCall := context.WithCancel(ctx)
	stream, err := e.client.StreamingInputCall(ctx)
	if err != nil {
		cancelCall()
		return unexpected("StreamingInputCall", err)
	}
	cancelCall()
	_, err = stream.CloseAndRecv()
	return expectCode("StreamingInputCall", err, codes.Canceled, nil)
}

func cancelAfterFirstResponse(e *env) error {
	ctx, cancel, _ := e.call()
	defer cancel()
	ctx, cancelCall := context.WithCancel(ctx)
	defer cancelCall()
	stream, err := e.client.FullDuplexCall(ctx)
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	err = stream.Send(&testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 31415}},
		Payload:            zeros(27182),
	})
	if err != nil {
		return unexpected("sending the request", stream.RecvMsg(new(testpb.StreamingOutputCallResponse)))
	}
	reply, err := stream.Recv()
	if err != nil {
		return unexpected("first response", err)
	}
	if err := checkBody(reply.Payload, 31415, "first response payload"); err != nil {
		return err
	}
	cancelCall()
	_, err = stream.Recv()
	return expectCode("FullDuplexCall after cancel", err, codes.Canceled, nil)
}

func timeoutOnSleepingServer(e *env) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	stream, err := e.client.FullDuplexCall(ctx)
	if err == nil {
		err = stream.Send(&testpb.StreamingOutputCallRequest{Payload: zeros(27182)})
		if err == nil || err == io.EOF {
			_, err = stream.Recv()
		}
	}
	return expectCode("FullDuplexCall with a 1 ms deadline", err, codes.DeadlineExceeded, nil)
}

// keepaliveHold opens a FullDuplexCall, exchanges one message, stays quiet for --hold (while
// the client's keepalive pings, with --keepalive_time), then exchanges another and finishes.
func keepaliveHold(e *env) error {
	ctx, cancel := context.WithTimeout(context.Background(), *hold+*rpcTimeout)
	defer cancel()
	stream, err := e.client.FullDuplexCall(ctx)
	if err != nil {
		return unexpected("FullDuplexCall", err)
	}
	exchange := func(what string) error {
		err := stream.Send(&testpb.StreamingOutputCallRequest{
			ResponseParameters: []*testpb.ResponseParameters{{Size: 1}},
		})
		if err != nil {
			return unexpected(what, stream.RecvMsg(new(testpb.StreamingOutputCallResponse)))
		}
		if _, err := stream.Recv(); err != nil {
			return unexpected(what, err)
		}
		return nil
	}
	if err := exchange("the first message"); err != nil {
		return err
	}
	time.Sleep(*hold)
	if err := exchange("the message after the hold"); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return unexpected("half-close", err)
	}
	return receiveAll(stream, nil)
}

func dial() (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithBlock(),
		grpc.WithReturnConnectionError(),
		grpc.WithStatsHandler(wire.StatsHandler{}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16 << 20)),
	}
	if *keepaliveTime > 0 {
		opts = append(opts, grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:    *keepaliveTime,
			Timeout: 20 * time.Second,
		}))
	}
	if useTLS {
		var creds credentials.TransportCredentials
		switch {
		case *caFile != "":
			var err error
			creds, err = credentials.NewClientTLSFromFile(*caFile, *serverHostOverride)
			if err != nil {
				return nil, err
			}
		case bool(useTestCA):
			return nil, errors.New("--use_test_ca true needs --ca_file (grpc's test ca.pem is not bundled)")
		default:
			creds = credentials.NewClientTLSFromCert(nil, *serverHostOverride)
		}
		opts = append(opts, grpc.WithTransportCredentials(creds))
	} else {
		opts = append(opts, grpc.WithInsecure())
		if *serverHostOverride != "" {
			opts = append(opts, grpc.WithAuthority(*serverHostOverride))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *connectTimeout)
	defer cancel()
	target := net.JoinHostPort(*serverHost, strconv.Itoa(*serverPort))
	conn, err := grpc.DialContext(ctx, target, opts...)
	if err != nil {
		return nil, fmt.Errorf("could not connect to %s: %v", target, err)
	}
	return conn, nil
}

func main() {
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "interop_client: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	selected := cases
	if *testCase != "all" {
		selected = nil
		for _, c := range append(cases, extraCases...) {
			if c.name == *testCase {
				selected = append(selected, c)
			}
		}
		if selected == nil {
			fmt.Fprintf(os.Stderr, "interop_client: unknown test case %q\n", *testCase)
			os.Exit(2)
		}
	}
	passed, failed := 0, 0
	for _, c := range selected {
		err := func() error {
			conn, err := dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			return c.run(&env{conn: conn, client: testpb.NewTestServiceClient(conn)})
		}()
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", c.name, err)
		} else {
			passed++
			fmt.Printf("PASS %s\n", c.name)
		}
	}
	if *testCase == "all" {
		fmt.Printf("%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 {
		os.Exit(1)
	}
}
