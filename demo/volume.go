package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// batchSize is the number of customers written per transaction: large enough
// that the per-commit fsync does not dominate, small enough to keep a
// transaction's dirty pages modest.
const batchSize = 500

// Main runs `portal demo`: it fills a fresh database with the demo org tree and
// staff and --customers generated dealers, each with --locations locations and
// --users users. The same --seed gives the same data.
func Main(args []string) error { return run(args, os.Stdout) }

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("portal demo", flag.ContinueOnError)
	defDB := os.Getenv("PORTAL_DB")
	if defDB == "" {
		defDB = "data/portal.db"
	}
	dbPath := fs.String("db", defDB, "database to fill, a file path or a postgres:// URL; it must be new or hold no users (PORTAL_DB)")
	nCust := fs.Int("customers", 1000, "number of customers (dealers) to generate")
	nLocs := fs.Int("locations", 3, "locations per customer (the first is primary)")
	nUsers := fs.Int("users", 2, "users per customer: manager, buyer, finance, then more buyers")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same data")
	nProducts := fs.Int("products", 0, "number of products to generate (ordering center)")
	nEntries := fs.Int("entries", 0, "number of catalog entries among them, published in varied patterns")
	nOrders := fs.Int("orders", 0, "number of sales orders to generate with their notices, outbounds and returns (needs products: 300 when --products is 0)")
	nChannel := fs.Int("channel", 0, "number of opportunities, cross-territory complaints and service requests each (channel management; product lines need --entries)")
	clockAt := fs.String("clock", os.Getenv("PORTAL_CLOCK"), "test facility: date the data as if now were this RFC 3339 instant (PORTAL_CLOCK)")
	nStocktakes := fs.Int("stocktakes", 0, "number of customers that get two stocktakes a month apart (channel inventory; needs --entries)")
	recon := fs.Bool("reconciliation", false, "invoice the generated outbounds, record receipts, advance receipts and refunds, write off and confirm (reconciliation; needs --orders)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: portal demo [flags]\n\nFills a fresh database with the demo org tree and staff and generated dealers at volume.\nEvery user's password is %s.\n\nFlags:\n", DemoPassword)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("demo: unexpected argument %q (flags only, see portal demo -h)", fs.Arg(0))
	case *nCust < 1 || *nCust > 1_000_000:
		return errors.New("demo: --customers must be between 1 and 1000000")
	case *nLocs < 0 || *nLocs > 50:
		return errors.New("demo: --locations must be between 0 and 50")
	case *nUsers < 0 || *nUsers > 50:
		return errors.New("demo: --users must be between 0 and 50")
	case *nProducts < 0 || *nProducts > 1_000_000:
		return errors.New("demo: --products must be between 0 and 1000000")
	case *nEntries < 0 || *nEntries > *nProducts:
		return errors.New("demo: --entries must be between 0 and --products")
	}

	clock, err := store.ParseClock(*clockAt)
	if err != nil {
		return err
	}
	st, err := store.Open(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if clock != nil {
		st.SetClock(clock)
	}
	staff, customers, err := counts(st)
	if err != nil {
		return err
	}
	if staff > 0 || customers > 0 {
		return fmt.Errorf("demo: %s already holds %d staff users and %d customers; portal demo fills a fresh database only: give a new --db path", store.RedactDSN(*dbPath), staff, customers)
	}

	start := time.Now()
	hash, err := store.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	w, err := seedOrg(st, demoOrg)
	if err != nil {
		return err
	}
	var logins []Login
	err = st.Update(actor, func(t *store.Tx) error {
		logins, err = w.seedBase(t, hash)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Generating %d customers (%d locations, %d users each, seed %d) into %s\n", *nCust, *nLocs, *nUsers, *seed, store.RedactDSN(*dbPath))

	g := newGenerator(w, *seed, *nCust, hash)
	for done := 0; done < *nCust; {
		n := min(batchSize, *nCust-done)
		err := st.Update(actor, func(t *store.Tx) error {
			for i := range n {
				c, locs, users := g.customer(done+i+1, *nLocs, *nUsers)
				if err := w.addCustomer(t, c, locs, users); err != nil {
					return fmt.Errorf("customer %s: %w", c.Code, err)
				}
				if done+i == 0 {
					logins = append(logins, dealerLogins(c, users)...)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		fmt.Fprintf(out, "  %*d / %d customers  %6.1fs\n", len(strconv.Itoa(*nCust)), done, *nCust, time.Since(start).Seconds())
	}
	if *nOrders > 0 && *nProducts == 0 {
		*nProducts = 300
	}
	if err := volumeOrdering(st, w, *seed, *nCust, *nProducts, *nEntries, out); err != nil {
		return fmt.Errorf("ordering: %w", err)
	}
	if err := volumeOrders(st, w, *seed, *nOrders, out); err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	if err := volumeChannel(st, w, *seed, *nCust, *nChannel, *nStocktakes, out); err != nil {
		return fmt.Errorf("channel: %w", err)
	}
	if err := volumeRecon(st, w, *seed, *recon && *nOrders > 0, out); err != nil {
		return fmt.Errorf("reconciliation: %w", err)
	}
	fmt.Fprintf(out, "Done in %.1fs: %d org units, %d customer groups, %d staff, %d customers, %d locations, %d dealer users.\n",
		time.Since(start).Seconds(), len(w.org), len(w.groups), len(w.staff), *nCust, *nCust**nLocs, *nCust**nUsers)
	fmt.Fprint(out, FormatLogins(logins))
	return nil
}

// generator makes deterministic, varied dealers from its random source.
type generator struct {
	w        *world
	rng      *mrand.Rand
	hash     string
	width    int             // digits of the customer codes
	names    map[string]bool // company names used so far
	branches []string        // branch codes repeated by weight
}

func newGenerator(w *world, seed uint64, n int, hash string) *generator {
	g := &generator{
		w: w, rng: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), hash: hash,
		width: max(4, len(strconv.Itoa(n))), names: map[string]bool{},
	}
	for _, b := range branchWeights {
		for range b.weight {
			g.branches = append(g.branches, b.code)
		}
	}
	return g
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// companyName returns an unused company name in city ct and its short name.
func (g *generator) companyName(ct city) (name, short string, b brand) {
	for try := 0; ; try++ {
		b = brands[g.rng.IntN(len(brands))]
		trade := g.pick(trades)
		short = ct.name + b.name
		switch {
		case try < 8:
			name = ct.name + b.name + trade
		case try < 16: // the district keeps names apart in a crowded city
			name = ct.name + shortPlace(g.pick(ct.districts)) + b.name + trade
		default:
			b2 := brands[g.rng.IntN(len(brands))]
			name = ct.name + b.name + b2.name + trade
			short = ct.name + b.name + b2.name
		}
		if !g.names[name] || try > 40 {
			g.names[name] = true
			return name, short, b
		}
	}
}

// address returns a street address in city ct and its district.
func (g *generator) address(ct city) (addr, district string) {
	district = g.pick(ct.districts)
	return fmt.Sprintf("%s%s%s%d号", ct.prefix, district, g.pick(roads), 1+g.rng.IntN(2000)), district
}

func (g *generator) phone(ct city) string {
	return fmt.Sprintf("%s-%04d %04d", ct.area, 2000+g.rng.IntN(8000), g.rng.IntN(10000))
}

func (g *generator) mobile() string {
	return fmt.Sprintf("%s %04d %04d", g.pick(mobilePrefixes), g.rng.IntN(10000), g.rng.IntN(10000))
}

// level, group and credit limit (whole 10,000 yuan) of a customer.
func (g *generator) grade() (level, group string, credit model.Money) {
	var lo, hi int64
	switch r := g.rng.IntN(100); {
	case r < 15:
		level, lo, hi = "A", 100, 300
		group = "TIER1"
		if g.rng.IntN(10) < 6 {
			group = "KEY"
		}
	case r < 45:
		level, lo, hi, group = "B", 50, 100, "TIER1"
	case r < 80:
		level, lo, hi, group = "C", 20, 50, "TIER2"
		if g.rng.IntN(10) < 3 {
			group = "TIER1"
		}
	default:
		level, lo, hi, group = "D", 5, 20, "TIER2"
	}
	wan := lo + g.rng.Int64N(hi-lo+1)
	return level, group, model.Money(wan * 10_000 * 100)
}

// customer builds the seq-th generated customer with nLocs locations and
// nUsers users.
func (g *generator) customer(seq, nLocs, nUsers int) (*model.Customer, []*model.Location, []*model.User) {
	branch := g.branches[g.rng.IntN(len(g.branches))]
	cities := branchCities[branch]
	ct := cities[g.rng.IntN(len(cities))]
	name, short, b := g.companyName(ct)
	level, group, credit := g.grade()
	code := fmt.Sprintf("C%0*d", g.width, seq)
	domain := b.pinyin + "-" + ct.pinyin + ".example.com"
	addr, district := g.address(ct)
	contact := person(g.rng)
	c := &model.Customer{
		Code: code, Name: name, ShortName: short, GroupID: g.w.groups[group], Level: level,
		OrgUnitID: g.w.org[branch], SalespersonID: g.w.salesperson(branch),
		Contact: contact, Phone: g.phone(ct), Email: "sales@" + domain, Address: addr,
		TaxNumber: taxNumber(g.rng, ct.taxRegion),
		Bank:      g.pick(banks) + ct.name + shortPlace(district) + "支行", BankAccount: bankAccount(g.rng),
		CreditLimit: credit, Status: model.CustomerActive,
	}
	locs := make([]*model.Location, 0, nLocs)
	for j := range nLocs {
		l := &model.Location{Name: "公司总部", Contact: contact, Phone: c.Phone, Address: addr, Region: ct.prefix}
		if j > 0 {
			a, d := g.address(ct)
			l = &model.Location{Name: shortPlace(d) + extraLocs[(j-1)%len(extraLocs)], Contact: person(g.rng), Phone: g.mobile(), Address: a, Region: ct.prefix}
			if j > len(extraLocs) {
				l.Name += strconv.Itoa(j)
			}
		}
		locs = append(locs, l)
	}
	return c, locs, dealerUsers(g.rng, code, domain, g.hash, nUsers)
}
