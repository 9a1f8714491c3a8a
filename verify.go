package main

import (
	"errors"
	"flag"
	"fmt"

	"dealerportal/store"
)

// runVerify (portal verify) recomputes every figure reconciliation
// maintains — customer balances, invoiced and received amounts on outbound
// and sales order lines, invoices' and receipts' written-off amounts, the
// open items, the reconciliation counts — from the documents, prints each
// difference and exits non-zero when there is any. `portal check` runs the
// same check among the others.
func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openExisting(*db)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the portal first, or verify a backup copy", err)
		}
		return err
	}
	defer st.Close()
	problems, err := st.VerifyReconciliation()
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d differences found in %s", len(problems), store.RedactDSN(*db))
	}
	fmt.Printf("%s: balances agree with the documents\n", store.RedactDSN(*db))
	return nil
}
