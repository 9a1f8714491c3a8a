// Command baseline is the yardstick of bench/load.sh: a bare Fiber app (the
// portal's Fiber version, from the same go.mod, and the portal's compression
// settings) whose one route renders a 50-row table with html/template —
// no session, no database, no layout (bench/basepage). Every portal figure
// of the load test is also given as a ratio to this route's.
//
//	go run ./bench/baseline -addr 127.0.0.1:18481
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"dealerportal/bench/basepage"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18481", "listen address")
	flag.Parse()
	app := basepage.App()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		app.Shutdown()
	}()
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}
