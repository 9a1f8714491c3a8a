package model

import (
	"errors"
	"strings"
)

// SendErrorKind says why an e-mail or SMS could not be handed to its server,
// in terms an admin can act on. The screens show it translated
// ("senderr.<kind>"); the server's own text stays in the log and in a
// technical detail.
type SendErrorKind string

// The kinds of send errors.
const (
	// SendErrConfig: no server or gateway is set up, or its settings (an
	// address, a request template) cannot be used.
	SendErrConfig SendErrorKind = "config"
	// SendErrConnect: the server could not be reached (connection refused,
	// unknown host, no route).
	SendErrConnect SendErrorKind = "connect"
	// SendErrTimeout: the server did not answer in time.
	SendErrTimeout SendErrorKind = "timeout"
	// SendErrTLS: the encrypted connection failed (handshake, certificate,
	// STARTTLS not offered).
	SendErrTLS SendErrorKind = "tls"
	// SendErrAuth: the server refused the user name or password, or offers
	// no login.
	SendErrAuth SendErrorKind = "auth"
	// SendErrSender: the server refused the sender address.
	SendErrSender SendErrorKind = "sender"
	// SendErrRecipient: the server refused the recipient address.
	SendErrRecipient SendErrorKind = "recipient"
	// SendErrRejected: the server refused the message itself.
	SendErrRejected SendErrorKind = "rejected"
	// SendErrGateway: the SMS gateway answered with an error.
	SendErrGateway SendErrorKind = "gateway"
	// SendErrOther: anything else.
	SendErrOther SendErrorKind = "other"
)

// SendErrorKinds lists every kind (each has a "senderr.<kind>" text).
var SendErrorKinds = []SendErrorKind{SendErrConfig, SendErrConnect, SendErrTimeout, SendErrTLS, SendErrAuth,
	SendErrSender, SendErrRecipient, SendErrRejected, SendErrGateway, SendErrOther}

// SendErrorKindOf is the kind an error carries (through a
// SendErrorKind() method anywhere in its chain); "" for nil, SendErrOther
// for an error that carries none.
func SendErrorKindOf(err error) SendErrorKind {
	if err == nil {
		return ""
	}
	var k interface{ SendErrorKind() SendErrorKind }
	if errors.As(err, &k) {
		return k.SendErrorKind()
	}
	return SendErrOther
}

// GuessSendErrorKind reads the kind from an error's text, for deliveries
// recorded before kinds were: the texts of Go's network, TLS and SMTP
// packages and of the portal's senders.
func GuessSendErrorKind(text string) SendErrorKind {
	t := strings.ToLower(text)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case text == "":
		return ""
	case has("no server configured", "no gateway configured", "sms: request:", "template:"):
		return SendErrConfig
	case has("timeout", "deadline exceeded", "timed out"):
		return SendErrTimeout
	case has("tls", "x509", "certificate", "starttls"):
		return SendErrTLS
	case has("smtp: auth", "offer authentication", " 535 ", " 534 ", " 530 "):
		return SendErrAuth
	case has("mail from"):
		return SendErrSender
	case has("rcpt to"):
		return SendErrRecipient
	case has("smtp: data", "end of data", "smtp: write"):
		return SendErrRejected
	case has("gateway answer"):
		return SendErrGateway
	case has("connection refused", "no such host", "no route to host", "network is unreachable", "connection reset", "smtp: connect", "smtp: greeting"):
		return SendErrConnect
	}
	return SendErrOther
}
