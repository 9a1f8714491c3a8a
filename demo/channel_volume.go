package demo

import (
	"fmt"
	"io"
	mrand "math/rand/v2"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// Channel management and inventory at volume (`portal demo --channel N
// --stocktakes M`): N opportunities, N cross-territory complaints and N
// service requests spread over the generated customers in every status
// (some opportunities registering an end client another dealer's
// protection covers, some complaints handled with a responsible dealer),
// and for M customers two stocktakes a month apart of products from their
// published catalog. Written directly in their final state, without
// messages; products come from each customer's catalog (--entries), and a
// customer without one gets opportunities and complaints without product
// lines and no service request or stocktake.

// endClients are the end clients opportunities register (so that several
// dealers register the same ones, written a little differently).
var endClients = []string{"上海明达机械有限公司", "杭州恒远自动化股份有限公司", "广州粤海包装设备有限公司", "苏州精工电子有限公司",
	"北京京瑞重工集团有限公司", "宁波港城电气有限公司", "深圳华南智能装备有限公司", "天津滨海机床厂", "ACME Robotics Co., Ltd.", "成都西部物流装备有限公司"}

func volumeChannel(st *store.Store, w *world, seed uint64, nCust, nDocs, nStocktakes int, out io.Writer) error {
	if nDocs == 0 && nStocktakes == 0 {
		return nil
	}
	start := time.Now()
	rng := mrand.New(mrand.NewPCG(seed, seed^0xc4a77e1))
	custWidth := max(4, len(fmt.Sprint(nCust)))
	custByNo := func(t *store.Tx, n int) (*model.Customer, error) {
		return t.CustomerByCode(store.AdminScope(), fmt.Sprintf("C%0*d", custWidth, n))
	}
	catalog := func(t *store.Tx, custID uint64) []*store.CatalogItem {
		items, _, _ := t.ListCatalog(store.CustomerScope(custID), store.CatalogFilter{}, store.Page{Limit: 30})
		return items
	}
	admin, service := w.staff["admin"], w.staff["service"]
	if service == nil {
		service = admin
	}
	today, loc := st.Today(), st.Zone()
	day := func(back int) string { return model.AddDays(today, -back) }
	// An audit entry at 10:00 on its day in the enterprise's zone.
	entry := func(by string, action string, from, to model.Status, back int) model.AuditEntry {
		at, _ := time.ParseInLocation(model.DateLayout, day(back), loc)
		return model.AuditEntry{At: at.Add(10 * time.Hour).UTC(), By: by, Action: action, From: from, To: to}
	}
	for done := 0; done < nDocs; {
		n := min(300, nDocs-done)
		err := st.Update(actor, func(t *store.Tx) error {
			for i := range n {
				k := done + i
				c, err := custByNo(t, 1+rng.IntN(nCust))
				if err != nil {
					return err
				}
				items := catalog(t, c.ID)
				by := fmt.Sprintf("%s.manager", lowerCode(c.Code))
				back := rng.IntN(120)
				// An opportunity.
				o := &model.Opportunity{CustomerID: c.ID, ReportDate: day(back), Project: fmt.Sprintf("%s 项目 %d", []string{"产线改造", "新厂建设", "设备更新", "自动化升级"}[k%4], k+1),
					EndClient: endClients[rng.IntN(len(endClients))], Region: c.Address, Stage: model.OpportunityStages[rng.IntN(4)],
					ExpectedAmount: model.Money((5 + rng.IntN(200)) * 1000000), ExpectedClose: day(back - 90)}
				if len([]rune(o.Region)) > 60 {
					o.Region = string([]rune(o.Region)[:60])
				}
				for j := range min(len(items), rng.IntN(4)) {
					it := items[(k+j)%len(items)]
					o.Lines = append(o.Lines, model.InterestLine{ProductRef: model.RefOf(it.Product, it.Entry.ID), Qty: model.Qty((1 + rng.IntN(20)) * model.QtyScale), Price: it.Product.ListPrice})
				}
				o.Trail = []model.AuditEntry{entry(by, "create", "", model.StatusDraft, back)}
				o.Status = model.StatusDraft
				switch r := rng.IntN(10); {
				case r < 2:
				case r < 5:
					o.Status = model.StatusSubmitted
				default:
					o.Status = []model.Status{model.StatusAccepted, model.StatusAccepted, model.StatusRejected, model.StatusWon, model.StatusLost}[rng.IntN(5)]
					v := map[model.Status]string{model.StatusRejected: model.VerdictRejected}[o.Status]
					if v == "" {
						v = model.VerdictAccepted
					}
					o.Evaluation = &model.Evaluation{Verdict: v, WinProbability: 10 * rng.IntN(10), By: admin.Username, At: day(max(0, back-3)), Comments: "已核实项目信息"}
					if v == model.VerdictAccepted {
						o.Evaluation.ProtectionEnd = day(back - 30 - rng.IntN(120)) // some have run out
					}
				}
				if o.Status != model.StatusDraft {
					o.Trail = append(o.Trail, entry(by, "submit", model.StatusDraft, model.StatusSubmitted, back))
				}
				if err := t.SeedOpportunity(o); err != nil {
					return fmt.Errorf("opportunity: %w", err)
				}
				// A complaint, against another dealer.
				other, err := custByNo(t, 1+rng.IntN(nCust))
				if err != nil {
					return err
				}
				cp := &model.Complaint{CustomerID: c.ID, FiledDate: day(back), Territory: c.Address, PlaceFound: "某五金市场 " + fmt.Sprint(1+rng.IntN(300)) + " 号",
					Qty: model.Qty((1 + rng.IntN(50)) * model.QtyScale), PriceSeen: model.Money((100 + rng.IntN(900)) * 100), DateFound: day(back + 2),
					TraceCodes: fmt.Sprintf("B%s-%03d", today[:4], rng.IntN(1000)), Description: "在本区域发现非本渠道供货的低价商品，附现场照片。"}
				if len([]rune(cp.Territory)) > 60 {
					cp.Territory = string([]rune(cp.Territory)[:60])
				}
				if cp.Territory == "" {
					cp.Territory = "本区域"
				}
				if len(items) > 0 {
					it := items[k%len(items)]
					cp.Product = model.RefOf(it.Product, it.Entry.ID)
				} else {
					cp.ProductText = "伺服电机"
				}
				cp.Trail = []model.AuditEntry{entry(by, "create", "", model.StatusDraft, back)}
				cp.Status = []model.Status{model.StatusDraft, model.StatusSubmitted, model.StatusAudited, model.StatusHandled, model.StatusClosed}[rng.IntN(5)]
				if cp.Status == model.StatusHandled || cp.Status == model.StatusClosed {
					cp.Handling = &model.ComplaintHandling{Findings: "经核查属实。", Penalty: model.Money(rng.IntN(10) * 100000), Compensation: model.Money(rng.IntN(5) * 100000),
						RecallDeadline: day(back - 30), Resolution: "责令限期召回，按渠道管理制度处罚。", By: service.Username, At: day(max(0, back-5))}
					if other.ID != c.ID {
						cp.AccusedID, cp.Handling.ResponsibleID = other.ID, other.ID
					}
				}
				if err := t.SeedComplaint(cp); err != nil {
					return fmt.Errorf("complaint: %w", err)
				}
				// A service request.
				if len(items) == 0 {
					continue
				}
				it := items[(k*7)%len(items)]
				sr := &model.ServiceRequest{CustomerID: c.ID, RequestDate: day(back), Contact: "李工", Phone: "138" + fmt.Sprintf("%08d", rng.IntN(1e8)),
					Product: model.RefOf(it.Product, it.Entry.ID), Serial: fmt.Sprintf("SN%08d", rng.IntN(1e8)), ProblemType: model.ProblemTypes[rng.IntN(len(model.ProblemTypes))],
					Priority: model.Priorities[rng.IntN(len(model.Priorities))], Description: "设备运行时出现异常，请安排技术支持。"}
				sr.Trail = []model.AuditEntry{entry(by, "create", "", model.StatusNew, back)}
				sr.Status = []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusClosed}[rng.IntN(4)]
				if sr.Status != model.StatusNew {
					sr.HandlerID, sr.HandlerName = service.ID, service.Name
					sr.Log = append(sr.Log, model.ServiceLogEntry{At: day(back) + " 14:00", By: service.Username, Name: service.Name, Action: "start", Note: "已电话联系客户"})
				}
				if sr.Status == model.StatusResolved || sr.Status == model.StatusClosed {
					sr.Solution = "更换故障部件后恢复正常。"
					sr.Log = append(sr.Log, model.ServiceLogEntry{At: day(max(0, back-2)) + " 16:30", By: service.Username, Name: service.Name, Action: "resolve", Note: sr.Solution})
				}
				if err := t.InsertDoc(store.AdminScope(), model.DocServiceRequest, sr); err != nil {
					return fmt.Errorf("service request: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
	}
	if nDocs > 0 {
		fmt.Fprintf(out, "  %d opportunities, complaints and service requests each  %6.1fs\n", nDocs, time.Since(start).Seconds())
	}
	nStocktakes = min(nStocktakes, nCust)
	for done := 0; done < nStocktakes; {
		n := min(300, nStocktakes-done)
		err := st.Update(actor, func(t *store.Tx) error {
			for i := range n {
				c, err := custByNo(t, done+i+1)
				if err != nil {
					return err
				}
				items := catalog(t, c.ID)
				if len(items) == 0 {
					continue
				}
				qty := make([]int, len(items))
				for j := range qty {
					qty[j] = 20 + rng.IntN(200)
				}
				for m, back := range []int{60, 30} {
					s := &model.Stocktake{CustomerID: c.ID, Date: day(back), Source: "screen"}
					for j, it := range items {
						if m == 1 {
							qty[j] = max(0, qty[j]-rng.IntN(60)+rng.IntN(20))
						}
						s.Lines = append(s.Lines, model.StocktakeLine{ProductRef: model.RefOf(it.Product, it.Entry.ID), Qty: model.Qty(qty[j] * model.QtyScale)})
					}
					if err := t.SaveStocktake(store.AdminScope(), admin, s, true); err != nil {
						return fmt.Errorf("stocktake %s: %w", c.Code, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
	}
	if nStocktakes > 0 {
		fmt.Fprintf(out, "  stocktakes for %d customers  %6.1fs\n", nStocktakes, time.Since(start).Seconds())
	}
	return nil
}

func lowerCode(code string) string {
	b := []byte(code)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
