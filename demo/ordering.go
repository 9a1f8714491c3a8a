package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	mrand "math/rand/v2"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// The ordering center's demo data: a category tree, products with stock and
// pictures, catalog entries published in varied patterns (the whole company,
// a region, a customer group, single customers, drafts), customer and group
// prices with quantity breaks, and products not yet in the catalog for staff
// to publish. Entries are seeded as already published: no messages.

type catSpec struct{ code, name, parent string }

var demoCategories = []catSpec{
	{"MOTOR", "电机", ""}, {"SERVO", "伺服电机", "MOTOR"}, {"STEP", "步进电机", "MOTOR"},
	{"REDUCER", "减速机", ""}, {"DRIVE", "变频器", ""},
	{"PARTS", "配件", ""}, {"BEARING", "轴承", "PARTS"}, {"COUPLING", "联轴器", "PARTS"},
}

type prodSpec struct {
	code, name, spec, unit, cat string
	priceYuan                   int64
	stock                       int64
	min, mult                   int64
	publish                     string // "all", "east", "key", "c1", "draft", "" (not in catalog)
}

var demoProducts = []prodSpec{
	{"P-1001", "交流伺服电机 400W", "SM60-400-30", "台", "SERVO", 1280, 120, 1, 1, "all"},
	{"P-1002", "交流伺服电机 750W", "SM80-750-30", "台", "SERVO", 1680, 85, 1, 1, "all"},
	{"P-1003", "交流伺服电机 1.5kW", "SM110-1500-20", "台", "SERVO", 2980, 8, 1, 1, "all"},
	{"P-1004", "伺服驱动器 400W", "SD-400A", "台", "SERVO", 960, 60, 1, 1, "all"},
	{"P-1005", "伺服驱动器 1.5kW", "SD-1500A", "台", "SERVO", 1850, 0, 1, 1, "all"},
	{"P-1006", "两相步进电机 57", "57HS76-3004", "台", "STEP", 168, 500, 10, 10, "all"},
	{"P-1007", "两相步进电机 86", "86HS118-6004", "台", "STEP", 320, 240, 5, 5, "all"},
	{"P-1008", "步进驱动器", "DM556", "台", "STEP", 145, 9, 10, 10, "all"},
	{"P-1009", "行星减速机 1:10", "PLF60-10", "台", "REDUCER", 860, 70, 1, 1, "all"},
	{"P-1010", "行星减速机 1:20", "PLF90-20", "台", "REDUCER", 1260, 35, 1, 1, "east"},
	{"P-1011", "蜗轮蜗杆减速机", "NMRV050-30", "台", "REDUCER", 420, 150, 2, 2, "all"},
	{"P-1012", "通用变频器 0.75kW", "VFD-M0.75", "台", "DRIVE", 690, 200, 1, 1, "all"},
	{"P-1013", "通用变频器 2.2kW", "VFD-M2.2", "台", "DRIVE", 1150, 6, 1, 1, "all"},
	{"P-1014", "矢量变频器 7.5kW", "VFD-V7.5", "台", "DRIVE", 3680, 22, 1, 1, "key"},
	{"P-1015", "矢量变频器 15kW", "VFD-V15", "台", "DRIVE", 6280, 12, 1, 1, "key"},
	{"P-1016", "深沟球轴承 6204", "6204-2RS", "个", "BEARING", 12, 5000, 50, 50, "all"},
	{"P-1017", "深沟球轴承 6205", "6205-2RS", "个", "BEARING", 15, 3200, 50, 50, "all"},
	{"P-1018", "角接触球轴承", "7205AC", "个", "BEARING", 68, 400, 10, 10, "east"},
	{"P-1019", "梅花联轴器 D30", "LM-30", "个", "COUPLING", 38, 800, 10, 5, "all"},
	{"P-1020", "膜片联轴器 D40", "DJM-40", "个", "COUPLING", 96, 0, 5, 5, "all"},
	{"P-1021", "伺服电机动力线 3m", "CAB-P3", "根", "PARTS", 55, 1000, 10, 10, "all"},
	{"P-1022", "伺服电机编码器线 3m", "CAB-E3", "根", "PARTS", 65, 900, 10, 10, "all"},
	{"P-1023", "制动电阻 200W", "BR-200-100", "个", "DRIVE", 88, 300, 1, 1, "east"},
	{"P-1024", "定制伺服套装", "SET-750-C1", "套", "SERVO", 2380, 15, 1, 1, "c1"},
	{"P-1025", "样机：高速电主轴", "SPD-24K", "台", "MOTOR", 9800, 2, 1, 1, "c1"},
	{"P-1026", "一体化步进伺服电机", "ISV-57", "台", "STEP", 560, 40, 1, 1, "draft"},
	{"P-1027", "直角减速机 1:5", "ZDF-60-5", "台", "REDUCER", 980, 18, 1, 1, "draft"},
	{"P-1028", "新品：伺服电机 2kW", "SM130-2000-20", "台", "SERVO", 3580, 30, 1, 1, ""},
	{"P-1029", "新品：编码器 17 位", "ENC-17B", "个", "PARTS", 260, 100, 1, 1, ""},
	{"P-1030", "新品：防爆变频器", "VFD-EX4", "台", "DRIVE", 8900, 5, 1, 1, ""},
}

// seedOrdering writes the ordering center's demo data in one transaction.
func seedOrdering(st *store.Store, w *world) error {
	admin := w.staff["admin"]
	if admin == nil {
		return fmt.Errorf("ordering demo: no admin")
	}
	return st.Update(actor, func(t *store.Tx) error {
		cats, err := seedCategories(t)
		if err != nil {
			return err
		}
		sc := store.AdminScope()
		c1, err := t.CustomerByCode(sc, "C0001")
		if err != nil {
			return fmt.Errorf("ordering demo: %w", err)
		}
		prods := map[string]*model.Product{}
		for i, s := range demoProducts {
			p := &model.Product{Code: s.code, Name: s.name, Spec: s.spec, Unit: s.unit, ListPrice: model.Money(s.priceYuan * 100),
				TaxRate: 1300, Weight: model.Qty(500 + 250*i), Barcode: fmt.Sprintf("69%011d", 1000+i), Active: true}
			if err := t.SaveProduct(p); err != nil {
				return fmt.Errorf("product %s: %w", s.code, err)
			}
			prods[s.code] = p
			if _, err := t.AdjustStock(p.ID, model.Qty(s.stock*model.QtyScale), 0); err != nil {
				return err
			}
			if i < 14 {
				if err := addDemoImage(t, p, i); err != nil {
					return fmt.Errorf("image %s: %w", s.code, err)
				}
			}
			if s.publish == "" {
				continue
			}
			e := &model.CatalogEntry{ProductID: p.ID, CategoryID: cats[s.cat], MinQty: model.Qty(s.min * model.QtyScale),
				Multiple: model.Qty(s.mult * model.QtyScale), ShowListPrice: i%3 == 0,
				Description: s.name + "，" + s.spec + "。原厂正品，全国联保。"}
			switch s.publish {
			case "all", "draft":
				e.Targets = []model.Target{{Kind: model.TargetOrg, ID: w.org["HQ"]}}
			case "east":
				e.Targets = []model.Target{{Kind: model.TargetOrg, ID: w.org["EAST"]}}
			case "key":
				e.Targets = []model.Target{{Kind: model.TargetGroup, ID: w.groups["KEY"]}}
			case "c1":
				e.Targets = []model.Target{{Kind: model.TargetCustomer, ID: c1.ID}}
			}
			if err := t.SaveCatalogEntryQuiet(sc, e); err != nil {
				return fmt.Errorf("entry %s: %w", s.code, err)
			}
			if s.publish != "draft" {
				if err := t.AuditCatalogQuiet(e.ID, admin); err != nil {
					return err
				}
			}
		}
		price := func(cust, group uint64, code string, yuan float64, min int64, from, to string, audit bool) error {
			r := &model.PriceRecord{CustomerID: cust, GroupID: group, ProductID: prods[code].ID, Price: model.Money(yuan * 100),
				MinQty: model.Qty(min * model.QtyScale), From: from, To: to}
			if err := t.SavePriceRecord(sc, r); err != nil {
				return fmt.Errorf("price %s: %w", code, err)
			}
			if audit {
				_, err := t.ApplyPriceAction(sc, r.ID, "audit", admin, 0)
				return err
			}
			return nil
		}
		// Contract prices run from this January to the end of next year, so
		// that a demo started near New Year keeps them after midnight.
		year := t.Now.In(t.Zone()).Year()
		jan, dec := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year+1)
		for _, p := range []struct {
			cust, group uint64
			code        string
			yuan        float64
			min         int64
			from, to    string
			audit       bool
		}{
			{c1.ID, 0, "P-1001", 1180, 0, jan, dec, true},
			{c1.ID, 0, "P-1001", 1120, 10, jan, dec, true},
			{c1.ID, 0, "P-1001", 1060, 50, jan, dec, true},
			{c1.ID, 0, "P-1006", 152, 0, "", "", true},
			{c1.ID, 0, "P-1006", 145, 100, "", "", true},
			{c1.ID, 0, "P-1016", 10.5, 0, "", "", true},
			{c1.ID, 0, "P-1012", 600, 0, fmt.Sprintf("%d-01-01", year-1), fmt.Sprintf("%d-12-31", year-1), true}, // expired
			{c1.ID, 0, "P-1009", 790, 0, "", "", false},                                                          // draft
			{0, w.groups["TIER1"], "P-1001", 1230, 0, "", "", true},
			{0, w.groups["TIER1"], "P-1002", 1590, 0, "", "", true},
			{0, w.groups["TIER1"], "P-1012", 650, 0, "", "", true},
			{0, w.groups["TIER2"], "P-1012", 670, 0, "", "", true},
			{0, w.groups["KEY"], "P-1014", 3380, 0, "", "", true},
			{0, w.groups["KEY"], "P-1015", 5880, 0, "", "", true},
			{0, w.groups["KEY"], "P-1002", 1520, 5, "", "", true},
		} {
			if err := price(p.cust, p.group, p.code, p.yuan, p.min, p.from, p.to, p.audit); err != nil {
				return err
			}
		}
		return nil
	})
}

func seedCategories(t *store.Tx) (map[string]uint64, error) {
	ids := map[string]uint64{}
	for _, c := range demoCategories {
		cat := &model.Category{Code: c.code, Name: c.name, ParentID: ids[c.parent]}
		if err := t.SaveCategory(cat); err != nil {
			return nil, fmt.Errorf("category %s: %w", c.code, err)
		}
		ids[c.code] = cat.ID
	}
	return ids, nil
}

// demoPalette colours the generated product pictures.
var demoPalette = []color.RGBA{{11, 92, 173, 255}, {27, 122, 61, 255}, {154, 91, 0, 255}, {180, 35, 24, 255}, {91, 100, 115, 255}, {8, 70, 127, 255}}

// addDemoImage draws a simple product picture (a machine-like block on a
// gradient) and stores it with its thumbnails, as an upload would.
func addDemoImage(t *store.Tx, p *model.Product, i int) error {
	const n = 400
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	c := demoPalette[i%len(demoPalette)]
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			shade := uint8(235 - y/12)
			px := color.RGBA{shade, shade, shade + 10, 255}
			dx, dy := x-n/2, y-n/2
			switch {
			case x > 80 && x < 320 && y > 120 && y < 300:
				px = c
			case dx*dx+dy*dy < 40*40 && x >= 320:
				px = color.RGBA{60, 60, 60, 255}
			case x > 100+i*7%100 && x < 140+i*7%100 && y > 90 && y <= 120:
				px = color.RGBA{40, 40, 40, 255}
			}
			img.SetRGBA(x, y, px)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	name := p.Code + ".png"
	ctype, variants, err := model.CheckProductImage(name, buf.Bytes())
	if err != nil {
		return err
	}
	return t.AddProductImage(p.ID, &model.Attachment{Name: name, ContentType: ctype}, buf.Bytes(), variants)
}

// ---- volume ----

// GenerateVolume runs the volume generator (`portal demo`) writing its
// progress to out: for benchmarks and tests.
func GenerateVolume(args []string, out io.Writer) error { return run(args, out) }

// volumeOrdering generates nProducts products and nEntries catalog entries
// published in varied patterns over the generated customers, and price
// records, in batched transactions.
func volumeOrdering(st *store.Store, w *world, seed uint64, nCust, nProducts, nEntries int, out io.Writer) error {
	if nProducts == 0 {
		return nil
	}
	start := time.Now()
	rng := mrand.New(mrand.NewPCG(seed, seed^0x5eed))
	admin := w.staff["admin"]
	var cats map[string]uint64
	if err := st.Update(actor, func(t *store.Tx) error {
		var err error
		cats, err = seedCategories(t)
		return err
	}); err != nil {
		return err
	}
	leaf := []string{"SERVO", "STEP", "REDUCER", "DRIVE", "BEARING", "COUPLING"}
	width := max(6, len(fmt.Sprint(nProducts)))
	var prodIDs []uint64
	for done := 0; done < nProducts; {
		n := min(2000, nProducts-done)
		err := st.Update(actor, func(t *store.Tx) error {
			for i := range n {
				seq := done + i + 1
				base := demoProducts[rng.IntN(len(demoProducts))]
				p := &model.Product{Code: fmt.Sprintf("V%0*d", width, seq), Name: base.name, Spec: fmt.Sprintf("%s-%d", base.spec, seq%97),
					Unit: base.unit, ListPrice: model.Money((base.priceYuan + int64(rng.IntN(200))) * 100), TaxRate: 1300, Active: seq%50 != 0}
				if err := t.SaveProduct(p); err != nil {
					return err
				}
				if _, err := t.AdjustStock(p.ID, model.Qty(rng.IntN(500)*model.QtyScale), 0); err != nil {
					return err
				}
				prodIDs = append(prodIDs, p.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
	}
	fmt.Fprintf(out, "  %d products  %6.1fs\n", nProducts, time.Since(start).Seconds())
	regions := []string{"EAST", "SOUTH", "NORTH"}
	branches := []string{"SH", "HZ", "GZ", "SZ", "BJ"}
	groups := []string{"TIER1", "TIER2", "KEY"}
	custWidth := max(4, len(fmt.Sprint(nCust)))
	nEntries = min(nEntries, len(prodIDs))
	for done := 0; done < nEntries; {
		// Small first batches: bbolt splits a leaf only at commit, so tens of
		// thousands of index keys put into a still-empty bucket in one
		// transaction cost quadratic copying; once split, they spread out.
		n := min(500, max(20, done), nEntries-done)
		err := st.Update(actor, func(t *store.Tx) error {
			sc := store.AdminScope()
			for i := range n {
				k := done + i
				e := &model.CatalogEntry{ProductID: prodIDs[k], CategoryID: cats[leaf[k%len(leaf)]]}
				switch r := rng.IntN(100); {
				case r < 30:
					e.Targets = []model.Target{{Kind: model.TargetOrg, ID: w.org["HQ"]}}
				case r < 55:
					e.Targets = []model.Target{{Kind: model.TargetOrg, ID: w.org[regions[rng.IntN(len(regions))]]}}
				case r < 65:
					e.Targets = []model.Target{{Kind: model.TargetOrg, ID: w.org[branches[rng.IntN(len(branches))]]}}
				case r < 80:
					e.Targets = []model.Target{{Kind: model.TargetGroup, ID: w.groups[groups[rng.IntN(len(groups))]]}}
				default:
					for range 1 + rng.IntN(5) {
						c, err := t.CustomerByCode(sc, fmt.Sprintf("C%0*d", custWidth, 1+rng.IntN(nCust)))
						if err == nil {
							e.Targets = append(e.Targets, model.Target{Kind: model.TargetCustomer, ID: c.ID})
						}
					}
				}
				if err := t.SaveCatalogEntryQuiet(sc, e); err != nil {
					return err
				}
				if k%20 != 0 { // one in twenty stays a draft
					if err := t.AuditCatalogQuiet(e.ID, admin); err != nil {
						return err
					}
				}
				if k%8 == 0 { // a group price with a quantity break
					g := w.groups[groups[rng.IntN(len(groups))]]
					for j, min := range []int64{0, 20} {
						r := &model.PriceRecord{GroupID: g, ProductID: e.ProductID, Price: model.Money(10000 - 500*j + rng.IntN(5000)), MinQty: model.Qty(min * model.QtyScale)}
						if err := t.SavePriceRecord(sc, r); err != nil {
							return err
						}
						if _, err := t.ApplyPriceAction(sc, r.ID, "audit", admin, 0); err != nil {
							return err
						}
					}
				}
				if k%5 == 0 { // a customer price
					c, err := t.CustomerByCode(sc, fmt.Sprintf("C%0*d", custWidth, 1+rng.IntN(nCust)))
					if err == nil {
						r := &model.PriceRecord{CustomerID: c.ID, ProductID: e.ProductID, Price: model.Money(8000 + rng.IntN(4000))}
						if err := t.SavePriceRecord(sc, r); err != nil {
							return err
						}
						if _, err := t.ApplyPriceAction(sc, r.ID, "audit", admin, 0); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		fmt.Fprintf(out, "  %*d / %d catalog entries  %6.1fs\n", len(fmt.Sprint(nEntries)), done, nEntries, time.Since(start).Seconds())
	}
	return nil
}
