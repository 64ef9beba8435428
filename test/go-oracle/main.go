// Command go-oracle prints what Go's crypto/x509 and crypto/tls say about a server certificate, so
// that the tests can hold kubectl-certs' verdicts equal to what metrics-server (a Go client) logs.
//
//	go-oracle verify -chain served.pem -roots ca.pem -name 10.0.0.11 -time 2026-01-02T03:04:05Z
//	go-oracle dial -addr 127.0.0.1:10250 -roots ca.pem -time 2026-01-02T03:04:05Z
//	go-oracle serve-without-certificate -addr 127.0.0.1:0
//
// It prints one line: "OK", or the error text exactly as Go formats it. verify runs
// x509.Certificate.Verify with the options crypto/tls builds for a client (DNSName, Roots, the
// served certificates after the leaf as Intermediates, CurrentTime; KeyUsages left empty, so
// serverAuth). dial does what net/http's Transport does before a request: a TCP dial, then a TLS
// handshake with ServerName set to the host. serve-without-certificate is a TLS server that has no
// certificate to serve, as a kubelet whose serving CSR is not approved yet (its GetCertificate
// fails); it prints its address and serves until killed.
// Standard library only; built by the tests with the sandbox's Go (Debian golang-1.19-go).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage("missing mode")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	chainFile := fs.String("chain", "", "PEM file: the served certificates, leaf first")
	rootsFile := fs.String("roots", "", "PEM file: the trusted roots")
	name := fs.String("name", "", "the server name (host or IP) the client verifies")
	addr := fs.String("addr", "", "host:port to dial (dial mode)")
	at := fs.String("time", "", "RFC 3339 time to verify at (default: now)")
	_ = fs.Parse(os.Args[2:])

	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339Nano, *at)
		if err != nil {
			usage(err.Error())
		}
		now = t
	}
	roots := x509.NewCertPool()
	if *rootsFile != "" {
		certs, err := readCerts(*rootsFile)
		if err != nil {
			usage("-roots: " + err.Error())
		}
		for _, c := range certs {
			roots.AddCert(c)
		}
	}

	switch os.Args[1] {
	case "verify":
		certs, err := readCerts(*chainFile)
		if err != nil {
			// What crypto/tls says when the server's Certificate message holds such a certificate.
			fmt.Println("tls: failed to parse certificate from server: " + err.Error())
			return
		}
		fmt.Println(verdict(verify(certs, roots, *name, now)))
	case "dial":
		fmt.Println(verdict(dial(*addr, roots, now)))
	case "serve-without-certificate":
		serveWithoutCertificate(*addr)
	default:
		usage("unknown mode " + os.Args[1])
	}
}

// verify is crypto/tls's verifyServerCertificate for a client with RootCAs set.
func verify(certs []*x509.Certificate, roots *x509.CertPool, name string, now time.Time) error {
	if len(certs) == 0 {
		return errors.New("no certificate in -chain")
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		CurrentTime:   now,
		DNSName:       name,
		Intermediates: x509.NewCertPool(),
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := certs[0].Verify(opts)
	return err
}

// dial is net/http's Transport.dialConn up to the end of the TLS handshake.
func dial(addr string, roots *x509.CertPool, now time.Time) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	conn, err := (&net.Dialer{Timeout: 30 * time.Second}).Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	cfg := &tls.Config{RootCAs: roots, ServerName: host, Time: func() time.Time { return now }}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // client-go's TLSHandshakeTimeout
	return tls.Client(conn, cfg).Handshake()
}

// serveWithoutCertificate answers every handshake as the kubelet's certificate manager does
// before it has a certificate: GetCertificate returns an error, so crypto/tls sends an alert.
func serveWithoutCertificate(addr string) {
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return nil, errors.New("no serving certificate available for the kubelet")
	}}
	l, err := tls.Listen("tcp", addr, cfg)
	if err != nil {
		usage(err.Error())
	}
	fmt.Println(l.Addr().String())
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}()
	}
}

func verdict(err error) string {
	if err != nil {
		return err.Error()
	}
	return "OK"
}

func readCerts(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		usage(err.Error())
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "go-oracle: "+msg)
	fmt.Fprintln(os.Stderr, "usage: go-oracle verify -chain F -roots F -name N [-time T] | dial -addr H:P -roots F [-time T]")
	os.Exit(2)
}
