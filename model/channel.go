package model

import (
	"strings"
	"time"
	"unicode"
)

// Channel management (渠道管理, SPEC §2.5) and channel inventory (渠道库存,
// §2.7): opportunity reports (商机报备), cross-territory sales complaints
// (串货投诉), service requests (服务请求) and stocktakes (盘点库存). Each is a
// Document kept by the store's shared machinery; each workflow is a Machine
// table applied with Machine.Apply.

// Channel permissions. Filing (creating, editing a draft, submitting) is
// granted to dealers and to the staff who may act for a customer; deciding
// (evaluate, audit, handle) to staff only.
const (
	// PermChannel: a dealer's own channel documents — file and read its
	// opportunities, complaints, service requests and stocktakes, read its
	// sell-through report, reopen its resolved service requests.
	PermChannel Perm = "channel.dealer"
	// PermViewChannel: staff read every channel document and report in scope.
	PermViewChannel Perm = "channel.view"
	// PermFileOpportunity: report (or submit) an opportunity for a customer.
	PermFileOpportunity Perm = "opportunities.file"
	// PermManageOpportunities: evaluate opportunities, mark them won, lost
	// or expired.
	PermManageOpportunities Perm = "opportunities.manage"
	// PermFileService: file complaints and service requests for a customer,
	// reopen a closed complaint, close a service request.
	PermFileService Perm = "service.file"
	// PermManageService: audit, handle and close complaints; start and
	// resolve service requests, keep their handling log.
	PermManageService Perm = "service.manage"
	// PermManageStocktakes: enter and import stocktakes for a customer.
	PermManageStocktakes Perm = "stocktakes.manage"
)

func init() {
	grant := func(r Role, ps ...Perm) { rolePerms[r] = append(rolePerms[r], ps...) }
	grant(RoleAdmin, PermViewChannel, PermFileOpportunity, PermManageOpportunities, PermFileService, PermManageService, PermManageStocktakes)
	grant(RoleSales, PermViewChannel, PermFileOpportunity, PermManageOpportunities, PermManageStocktakes)
	grant(RoleService, PermViewChannel, PermFileService, PermManageService)
	grant(RoleViewer, PermViewChannel)
	grant(RoleFinance, PermViewChannel)
	grant(RoleManager, PermChannel, PermFileOpportunity, PermFileService)
	grant(RoleBuyer, PermChannel, PermFileOpportunity, PermFileService)
}

// Channel document statuses (the generic ones are in doc.go and orders.go).
const (
	StatusAccepted   Status = "accepted"
	StatusNeedsInfo  Status = "needs_info"
	StatusWon        Status = "won"
	StatusLost       Status = "lost"
	StatusExpired    Status = "expired"
	StatusHandled    Status = "handled"
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusResolved   Status = "resolved"
	StatusRecorded   Status = "recorded"
)

// OpportunityMachine (商机报备): draft → submitted → staff evaluate: accept
// (with a protection period), reject or need_info (back to the dealer, who
// edits and submits again); an accepted one ends won, lost or expired.
var OpportunityMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft, StatusNeedsInfo}, To: StatusSubmitted, Perm: PermFileOpportunity},
	{Action: "accept", From: []Status{StatusSubmitted}, To: StatusAccepted, Perm: PermManageOpportunities},
	{Action: "reject", From: []Status{StatusSubmitted}, To: StatusRejected, Perm: PermManageOpportunities, NeedsReason: true},
	{Action: "need_info", From: []Status{StatusSubmitted}, To: StatusNeedsInfo, Perm: PermManageOpportunities, NeedsReason: true},
	{Action: "win", From: []Status{StatusAccepted}, To: StatusWon, Perm: PermManageOpportunities},
	{Action: "lose", From: []Status{StatusAccepted}, To: StatusLost, Perm: PermManageOpportunities},
	{Action: "expire", From: []Status{StatusAccepted, StatusNeedsInfo}, To: StatusExpired, Perm: PermManageOpportunities},
}

// OpportunityEvaluations are the actions that record an evaluation (评估结果).
var OpportunityEvaluations = []string{"accept", "reject", "need_info"}

// ComplaintMachine (串货投诉): add (draft) → submit → audit (staff accept it
// for handling) → handle (staff only; may be redone) → close; reopen (反关闭)
// sends a closed complaint back to handling. Staff may close a complaint
// they will not handle (with the reason in the trail).
var ComplaintMachine = Machine{
	{Action: "submit", From: []Status{StatusDraft}, To: StatusSubmitted, Perm: PermFileService},
	{Action: "audit", From: []Status{StatusSubmitted}, To: StatusAudited, Perm: PermManageService},
	{Action: "handle", From: []Status{StatusAudited, StatusHandled}, To: StatusHandled, Perm: PermManageService},
	{Action: "close", From: []Status{StatusSubmitted, StatusAudited, StatusHandled}, To: StatusClosed, Perm: PermManageService},
	{Action: "reopen", From: []Status{StatusClosed}, To: StatusAudited, Perm: PermFileService},
}

// ServiceRequestMachine (服务请求): new → in progress (staff start, with a
// handler) → resolved (staff, with the solution) → closed; the dealer may
// reopen a resolved one (back to in progress), and either side may close
// it (a new one too: withdrawn).
var ServiceRequestMachine = Machine{
	{Action: "start", From: []Status{StatusNew}, To: StatusInProgress, Perm: PermManageService},
	{Action: "resolve", From: []Status{StatusInProgress}, To: StatusResolved, Perm: PermManageService},
	{Action: "close", From: []Status{StatusNew, StatusResolved}, To: StatusClosed, Perm: PermFileService},
	{Action: "reopen", From: []Status{StatusResolved}, To: StatusInProgress, Perm: PermChannel, NeedsReason: true},
}

// ---- products on channel documents ----

// ProductRef is a product named on a channel document: a copy of its code,
// name, spec and unit taken when the document was written (the catalog entry
// it was chosen from, for a dealer).
type ProductRef struct {
	ProductID uint64 `json:"product_id,omitempty"`
	EntryID   uint64 `json:"entry_id,omitempty"`
	Code      string `json:"code,omitempty"`
	Name      string `json:"name,omitempty"`
	Spec      string `json:"spec,omitempty"`
	Unit      string `json:"unit,omitempty"`
}

// RefOf copies p (and the entry id, 0 when none) into a ProductRef.
func RefOf(p *Product, entryID uint64) ProductRef {
	return ProductRef{ProductID: p.ID, EntryID: entryID, Code: p.Code, Name: p.Name, Spec: p.Spec, Unit: p.Unit}
}

// ---- opportunity report (商机报备) ----

// Opportunity stages (项目阶段).
var OpportunityStages = []string{"lead", "qualified", "proposal", "negotiation"}

// Evaluation verdicts (评估结论).
const (
	VerdictAccepted  = "accepted"
	VerdictRejected  = "rejected"
	VerdictNeedsInfo = "needs_info"
)

// InterestLine is one line of the "interest range" (兴趣范围) tab.
type InterestLine struct {
	No int `json:"no"`
	ProductRef
	Qty    Qty   `json:"qty"`
	Price  Money `json:"price"`  // expected unit price
	Amount Money `json:"amount"` // qty × price
}

// Evaluation is the "evaluation result" (评估结果) tab: staff's verdict, the
// protection period's last day (inclusive, YYYY-MM-DD in the enterprise's
// zone), the win probability in percent and comments.
type Evaluation struct {
	Verdict        string `json:"verdict"`
	ProtectionEnd  string `json:"protection_end,omitempty"`
	WinProbability int    `json:"win_probability"`
	Comments       string `json:"comments,omitempty"`
	By             string `json:"by"`
	At             string `json:"at"` // YYYY-MM-DD
}

// Opportunity (商机报备) is a dealer's registration of a project at an end
// client; an accepted one protects the end client for the dealer until its
// protection end date.
type Opportunity struct {
	ID             uint64 `json:"id"`
	CustomerID     uint64 `json:"customer_id"`
	ReportDate     string `json:"report_date"`
	Project        string `json:"project" validate:"required,max=100"`
	EndClient      string `json:"end_client" validate:"required,max=100"`
	Region         string `json:"region,omitempty" validate:"max=60"`
	ExpectedAmount Money  `json:"expected_amount" validate:"gte=0"`
	ExpectedClose  string `json:"expected_close,omitempty"`
	Stage          string `json:"stage" validate:"required"`
	Description    string `json:"description,omitempty" validate:"max=2000"`
	// ClientKey is EndClient normalised (NormalizeClient): what collisions
	// compare.
	ClientKey  string         `json:"client_key"`
	Lines      []InterestLine `json:"lines,omitempty"`
	Evaluation *Evaluation    `json:"evaluation,omitempty"`
	// Collided is set at submission when another dealer's protection
	// covered the end client then (kept for the list filter; the live
	// check is the store's Collisions).
	Collided bool `json:"collided,omitempty"`
	Doc
}

func (o *Opportunity) DocID() uint64      { return o.ID }
func (o *Opportunity) SetDocID(id uint64) { o.ID = id }
func (o *Opportunity) Owner() uint64      { return o.CustomerID }
func (o *Opportunity) Summarize() DocSummary {
	s := DocSummary{Status: o.Status, Date: o.ReportDate, Amount: o.ExpectedAmount,
		Text: o.Project + " " + o.EndClient + " " + o.Region}
	if o.Collided {
		s.Flag = "collision"
	}
	return s
}

// Validate checks the header and the lines (the store checks the products).
func (o *Opportunity) Validate() error {
	trimAll(&o.Project, &o.EndClient, &o.Region, &o.Description)
	v := &ValidationError{}
	checkTags(o, v)
	if o.Stage != "" && !contains(OpportunityStages, o.Stage) {
		v.Add("stage", "err.choice", nil)
	}
	if d, err := ParseDate(o.ExpectedClose); err != nil {
		v.Add("expected_close", "err.ch_date", nil)
	} else {
		o.ExpectedClose = d
	}
	o.ClientKey = NormalizeClient(o.EndClient)
	if o.EndClient != "" && o.ClientKey == "" {
		v.Add("end_client", "err.invalid", nil)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.No = i + 1
		if l.ProductID == 0 {
			v.Add("lines", "err.required", nil)
		}
		if l.Qty <= 0 {
			v.Add("lines", "err.qty_positive", nil)
		}
		if l.Price < 0 {
			v.Add("lines", "err.not_negative", nil)
		}
		l.Amount = MulQtyPrice(l.Qty, l.Price)
	}
	return v.Err()
}

// LinesAmount is the sum of the interest lines' amounts.
func (o *Opportunity) LinesAmount() Money {
	var m Money
	for _, l := range o.Lines {
		m += l.Amount
	}
	return m
}

// ProtectedOn reports whether the opportunity protects its end client on
// day (YYYY-MM-DD in the enterprise's zone): accepted (or won) with a
// protection end date not before day. Protection thus ends by itself after
// its last day, without any job running.
func (o *Opportunity) ProtectedOn(day string) bool {
	return (o.Status == StatusAccepted || o.Status == StatusWon) && o.Evaluation != nil &&
		o.Evaluation.Verdict == VerdictAccepted && o.Evaluation.ProtectionEnd != "" && day <= o.Evaluation.ProtectionEnd
}

// ProtectionEnded reports whether an accepted opportunity's protection has
// run out by day.
func (o *Opportunity) ProtectionEnded(day string) bool {
	return (o.Status == StatusAccepted || o.Status == StatusWon) && o.Evaluation != nil &&
		o.Evaluation.ProtectionEnd != "" && day > o.Evaluation.ProtectionEnd
}

// CheckEvaluation validates an evaluation for action (accept, reject,
// need_info) on day: accept needs a protection end date from day on (at
// most three years ahead); the probability is 0–100; reject and need_info
// need comments (the reason).
func CheckEvaluation(action string, e *Evaluation, day string) error {
	v := &ValidationError{}
	e.Comments = strings.TrimSpace(e.Comments)
	switch action {
	case "accept":
		e.Verdict = VerdictAccepted
		d, err := ParseDate(e.ProtectionEnd)
		switch {
		case err != nil:
			v.Add("protection_end", "err.ch_date", nil)
		case d == "":
			v.Add("protection_end", "err.required", nil)
		case d < day:
			v.Add("protection_end", "err.opp_protection_past", nil)
		case addYears(day, 3) != "" && d > addYears(day, 3):
			v.Add("protection_end", "err.opp_protection_long", nil)
		default:
			e.ProtectionEnd = d
		}
	case "reject", "need_info":
		e.Verdict = VerdictRejected
		if action == "need_info" {
			e.Verdict = VerdictNeedsInfo
		}
		e.ProtectionEnd = ""
		if len([]rune(e.Comments)) < 2 {
			v.Add("comments", "err.reason_required", nil)
		}
	default:
		v.Add("verdict", "err.choice", nil)
	}
	if e.WinProbability < 0 || e.WinProbability > 100 {
		v.Add("win_probability", "err.ch_percent", nil)
	}
	if len([]rune(e.Comments)) > 1000 {
		v.Add("comments", "err.too_long", map[string]any{"max": 1000})
	}
	return v.Err()
}

// addYears moves a YYYY-MM-DD day n years on ("" when it does not parse).
func addYears(day string, n int) string {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return ""
	}
	return t.AddDate(n, 0, 0).Format(DateLayout)
}

// clientSuffixes are the legal-form endings that do not tell two end clients
// apart (longest first: they are stripped repeatedly from the end).
var clientSuffixes = []string{
	"股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "分公司", "总公司", "公司", "集团",
	"corporation", "incorporated", "company", "limited", "group", "corp", "gmbh", "ltd", "llc", "inc", "plc", "co",
}

// NormalizeClient turns an end client's name into the key collisions
// compare (防撞单): trimmed, full-width folded to half-width, lower case,
// without spaces and punctuation, and without common company suffixes
// (有限公司, Co., Ltd. …). "上海明达机械有限公司" and "上海明达机械 " and
// "上海明达机械（有限公司）" share one key. Empty when nothing is left.
func NormalizeClient(name string) string {
	s := strings.ToLower(foldWidth(strings.TrimSpace(name)))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	s = b.String()
	for changed := true; changed; {
		changed = false
		for _, suf := range clientSuffixes {
			if len(s) > len(suf) && strings.HasSuffix(s, suf) {
				s = strings.TrimSuffix(s, suf)
				changed = true
			}
		}
	}
	return s
}

// ---- cross-territory sales complaint (串货投诉) ----

// ComplaintHandling is what staff decide when they handle a complaint
// (处理): findings, the responsible dealer, penalty, compensation to the
// complainant, the recall deadline and the resolution.
type ComplaintHandling struct {
	Findings       string `json:"findings,omitempty" validate:"max=2000"`
	ResponsibleID  uint64 `json:"responsible_id,omitempty"`
	Penalty        Money  `json:"penalty" validate:"gte=0"`
	Compensation   Money  `json:"compensation" validate:"gte=0"`
	RecallDeadline string `json:"recall_deadline,omitempty"`
	Resolution     string `json:"resolution" validate:"required,max=2000"`
	By             string `json:"by,omitempty"`
	At             string `json:"at,omitempty"` // YYYY-MM-DD
}

// Validate checks the handling's own fields.
func (h *ComplaintHandling) Validate() error {
	trimAll(&h.Findings, &h.Resolution)
	v := &ValidationError{}
	checkTags(h, v)
	if d, err := ParseDate(h.RecallDeadline); err != nil {
		v.Add("recall_deadline", "err.ch_date", nil)
	} else {
		h.RecallDeadline = d
	}
	return v.Err()
}

// Complaint (串货投诉) is filed by a dealer (the complainant, its Owner) about
// goods of another territory found in its own. Its users and staff in scope
// see it; the accused or responsible dealer never sees the complaint itself,
// only the ComplaintNotice (without the complainant) once it is handled.
type Complaint struct {
	ID         uint64 `json:"id"`
	CustomerID uint64 `json:"customer_id"` // the complainant
	FiledDate  string `json:"filed_date"`
	// AccusedID is the accused dealer when known (set by staff); AccusedName
	// is what the complainant wrote (it may not know the dealer).
	AccusedID   uint64             `json:"accused_id,omitempty"`
	AccusedName string             `json:"accused_name,omitempty" validate:"max=100"`
	Territory   string             `json:"territory" validate:"required,max=60"`
	Product     ProductRef         `json:"product"`
	ProductText string             `json:"product_text,omitempty" validate:"max=100"`
	TraceCodes  string             `json:"trace_codes,omitempty" validate:"max=500"`
	PlaceFound  string             `json:"place_found" validate:"required,max=200"`
	Qty         Qty                `json:"qty" validate:"gte=0"`
	PriceSeen   Money              `json:"price_seen" validate:"gte=0"`
	DateFound   string             `json:"date_found"`
	Description string             `json:"description" validate:"required,max=2000"`
	Handling    *ComplaintHandling `json:"handling,omitempty"`
	Doc
}

func (c *Complaint) DocID() uint64      { return c.ID }
func (c *Complaint) SetDocID(id uint64) { c.ID = id }
func (c *Complaint) Owner() uint64      { return c.CustomerID }
func (c *Complaint) Summarize() DocSummary {
	return DocSummary{Status: c.Status, Date: c.FiledDate,
		Text: c.Territory + " " + c.PlaceFound + " " + c.Product.Code + " " + c.Product.Name + " " + c.ProductText + " " + c.AccusedName + " " + c.TraceCodes}
}

// Validate checks the complaint's own fields on day (the date found may not
// lie in the future; a product is named from the catalog or in words).
func (c *Complaint) Validate(day string) error {
	trimAll(&c.AccusedName, &c.Territory, &c.ProductText, &c.TraceCodes, &c.PlaceFound, &c.Description)
	v := &ValidationError{}
	checkTags(c, v)
	switch d, err := ParseDate(c.DateFound); {
	case err != nil:
		v.Add("date_found", "err.ch_date", nil)
	case d == "":
		v.Add("date_found", "err.required", nil)
	case d > day:
		v.Add("date_found", "err.ch_date_future", nil)
	default:
		c.DateFound = d
	}
	if c.Product.ProductID == 0 && c.ProductText == "" {
		v.Add("product_code", "err.complaint_product", nil)
	}
	return v.Err()
}

// ProductLabel is the product as the complaint names it.
func (c *Complaint) ProductLabel() string {
	if c.Product.Code != "" {
		return c.Product.Code + " " + c.Product.Name
	}
	return c.ProductText
}

// ComplaintNotice is what the responsible dealer of a handled complaint
// sees (串货处理通知): the goods, where and when they were found, and the
// decision — never the complainant, its description, evidence, comments or
// audit trail, which could name it.
type ComplaintNotice struct {
	ID             uint64 `json:"id"`
	Number         string `json:"number"`
	Status         Status `json:"status"`
	Territory      string `json:"territory"`
	Product        string `json:"product"`
	TraceCodes     string `json:"trace_codes,omitempty"`
	PlaceFound     string `json:"place_found"`
	Qty            Qty    `json:"qty"`
	DateFound      string `json:"date_found"`
	HandledOn      string `json:"handled_on"`
	Penalty        Money  `json:"penalty"`
	Compensation   Money  `json:"compensation"`
	RecallDeadline string `json:"recall_deadline,omitempty"`
	Resolution     string `json:"resolution"`
}

// Notice strips the complaint down to what its responsible dealer may see;
// ok is false unless it has been handled with a responsible dealer.
func (c *Complaint) Notice() (ComplaintNotice, bool) {
	h := c.Handling
	if h == nil || h.ResponsibleID == 0 || c.Status != StatusHandled && c.Status != StatusClosed {
		return ComplaintNotice{}, false
	}
	return ComplaintNotice{ID: c.ID, Number: c.Number, Status: c.Status, Territory: c.Territory, Product: c.ProductLabel(),
		TraceCodes: c.TraceCodes, PlaceFound: c.PlaceFound, Qty: c.Qty, DateFound: c.DateFound, HandledOn: h.At,
		Penalty: h.Penalty, Compensation: h.Compensation, RecallDeadline: h.RecallDeadline, Resolution: h.Resolution}, true
}

// ---- service request (服务请求) ----

// Service request problem types and priorities.
var (
	ProblemTypes = []string{"malfunction", "installation", "quality", "parts", "consultation", "other"}
	Priorities   = []string{"low", "normal", "high", "urgent"}
)

// ServiceLogEntry is one line of a service request's handling log.
type ServiceLogEntry struct {
	At     string `json:"at"` // YYYY-MM-DD HH:MM in the enterprise's zone
	By     string `json:"by"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"` // start, resolve, close, reopen or note
	Note   string `json:"note,omitempty"`
}

// ServiceRequest (服务请求): the "basic information" (基本信息) tab is the
// dealer's request; the "handling" (处理) tab is staff's: the handler, the
// log and the solution.
type ServiceRequest struct {
	ID          uint64            `json:"id"`
	CustomerID  uint64            `json:"customer_id"`
	RequestDate string            `json:"request_date"`
	Contact     string            `json:"contact" validate:"required,max=40"`
	Phone       string            `json:"phone,omitempty" validate:"max=30"`
	Product     ProductRef        `json:"product"`
	Serial      string            `json:"serial,omitempty" validate:"max=100"`
	ProblemType string            `json:"problem_type" validate:"required"`
	Priority    string            `json:"priority" validate:"required"`
	Description string            `json:"description" validate:"required,max=2000"`
	HandlerID   uint64            `json:"handler_id,omitempty"`
	HandlerName string            `json:"handler_name,omitempty"`
	Log         []ServiceLogEntry `json:"log,omitempty"`
	Solution    string            `json:"solution,omitempty" validate:"max=2000"`
	Doc
}

func (r *ServiceRequest) DocID() uint64      { return r.ID }
func (r *ServiceRequest) SetDocID(id uint64) { r.ID = id }
func (r *ServiceRequest) Owner() uint64      { return r.CustomerID }
func (r *ServiceRequest) Summarize() DocSummary {
	s := DocSummary{Status: r.Status, Date: r.RequestDate,
		Text: r.Contact + " " + r.Product.Code + " " + r.Product.Name + " " + r.Serial + " " + r.HandlerName}
	if r.Priority == "urgent" || r.Priority == "high" {
		s.Flag = r.Priority
	}
	return s
}

// Validate checks the basic information.
func (r *ServiceRequest) Validate() error {
	trimAll(&r.Contact, &r.Phone, &r.Serial, &r.Description, &r.Solution)
	v := &ValidationError{}
	checkTags(r, v)
	checkPhone(v, "phone", r.Phone)
	if r.ProblemType != "" && !contains(ProblemTypes, r.ProblemType) {
		v.Add("problem_type", "err.choice", nil)
	}
	if r.Priority != "" && !contains(Priorities, r.Priority) {
		v.Add("priority", "err.choice", nil)
	}
	if r.Product.ProductID == 0 {
		v.Add("product_code", "err.required", nil)
	}
	return v.Err()
}

// ---- stocktake (盘点库存) ----

// StocktakeLine is one counted product.
type StocktakeLine struct {
	No int `json:"no"`
	ProductRef
	Qty Qty `json:"qty"`
}

// Stocktake (盘点库存) is a dealer's count of its stock on one date. A
// customer has at most one per date: a second one replaces it (after the
// user confirms).
type Stocktake struct {
	ID         uint64          `json:"id"`
	CustomerID uint64          `json:"customer_id"`
	Date       string          `json:"date"`
	Remarks    string          `json:"remarks,omitempty" validate:"max=500"`
	Source     string          `json:"source,omitempty"` // "screen" or the imported file's name
	Lines      []StocktakeLine `json:"lines"`
	Doc
}

func (s *Stocktake) DocID() uint64      { return s.ID }
func (s *Stocktake) SetDocID(id uint64) { s.ID = id }
func (s *Stocktake) Owner() uint64      { return s.CustomerID }
func (s *Stocktake) Summarize() DocSummary {
	return DocSummary{Status: s.Status, Date: s.Date, Text: s.Remarks + " " + s.Source}
}

// TotalQty is the sum of the counted quantities.
func (s *Stocktake) TotalQty() Qty {
	var q Qty
	for _, l := range s.Lines {
		q += l.Qty
	}
	return q
}

// Validate checks the date (not in the future of day), the lines (at least
// one, quantities not negative, each product once) and the remarks.
func (s *Stocktake) Validate(day string) error {
	trimAll(&s.Remarks)
	v := &ValidationError{}
	checkTags(s, v)
	switch d, err := ParseDate(s.Date); {
	case err != nil:
		v.Add("date", "err.ch_date", nil)
	case d == "":
		v.Add("date", "err.required", nil)
	case d > day:
		v.Add("date", "err.ch_date_future", nil)
	default:
		s.Date = d
	}
	if len(s.Lines) == 0 {
		v.Add("lines", "err.stocktake_no_lines", nil)
	}
	seen := map[uint64]bool{}
	for i := range s.Lines {
		l := &s.Lines[i]
		l.No = i + 1
		switch {
		case l.ProductID == 0:
			v.Add("lines", "err.required", nil)
		case l.Qty < 0:
			v.Add("lines", "err.not_negative", nil)
		case seen[l.ProductID]:
			v.Add("lines", "err.stocktake_duplicate", map[string]any{"code": l.Code})
		}
		seen[l.ProductID] = true
	}
	return v.Err()
}

// StocktakeImportColumns are the columns of a stocktake file (盘点库存导入).
// The stocktake date and the customer are chosen on the form.
var StocktakeImportColumns = []ImportColumn{
	{"product_code", "Product code", "商品编码", true},
	{"qty", "Quantity", "数量", true},
}

// Compile-time checks that every channel document is a Document.
var (
	_ Document = (*Opportunity)(nil)
	_ Document = (*Complaint)(nil)
	_ Document = (*ServiceRequest)(nil)
	_ Document = (*Stocktake)(nil)
)
