package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"syscall"

	"dealerportal/model"
)

// SendError is a failed hand-over with its kind: what the screens say (in
// the reader's language) about the error, whose own text goes to the log
// and to the admin's technical detail.
type SendError struct {
	Kind model.SendErrorKind
	Err  error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// SendErrorKind makes the kind readable through model.SendErrorKindOf.
func (e *SendError) SendErrorKind() model.SendErrorKind { return e.Kind }

// sendErr wraps err with the kind of the step that failed (stage), unless
// the network says more precisely what went wrong: a timeout, a TLS failure
// or an unreachable server is that, whatever the step.
func sendErr(stage model.SendErrorKind, err error) error {
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return err
	}
	if k := netKind(err); k != "" {
		stage = k
	}
	return &SendError{Kind: stage, Err: err}
}

// netKind classifies a network error: timeout, TLS or connect; "" when it
// is none of those.
func netKind(err error) model.SendErrorKind {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return model.SendErrTimeout
	}
	var (
		certErr  *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &record) || errors.As(err, &alert) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid) {
		return model.SendErrTLS
	}
	var dns *net.DNSError
	var op *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial" {
		return model.SendErrConnect
	}
	return ""
}
