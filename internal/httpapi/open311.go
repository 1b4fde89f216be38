package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under
// /open311/v2/. Every resource comes in .json and .xml; errors are the
// specification's list of {code, description}. Locations are WGS-84 here
// and GCJ-02 everywhere else, so they are converted at this border.

const open311Spec = "http://wiki.open311.org/GeoReport_v2"

var errOpen311Format = errs.New(errs.KindNotFound, "format_not_supported", "仅支持 .json 与 .xml 格式")

// open311Error is one entry of an error answer.
type open311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type open311Errors struct {
	XMLName xml.Name       `xml:"errors"`
	Errors  []open311Error `xml:"error"`
}

// open311 wraps a handler so its errors come out in the Open311 shape and
// the requested format; statuses are the specification's 400, 403 and 404
// (and 429/500 for limits and faults).
func (s *Server) open311(h func(c *fiber.Ctx, format string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		format := c.Params("format")
		var err error = errOpen311Format
		if format == "json" || format == "xml" {
			err = s.checkJurisdiction(c)
			if err == nil {
				err = h(c, format)
			}
		} else {
			format = "json"
		}
		if err == nil {
			return nil
		}
		e, ok := errs.As(err)
		if !ok {
			e = errs.ErrInternal
			s.log.Error("open311 request failed", "request_id", requestID(c), "path", c.Path(), "err", err)
		}
		status := statusOf(e.Kind)
		switch {
		case status == fiber.StatusNotFound, status == fiber.StatusForbidden, status == fiber.StatusTooManyRequests, status >= 500:
		default:
			status = fiber.StatusBadRequest
		}
		var list []open311Error
		if len(e.Fields) == 0 {
			list = append(list, open311Error{Code: status, Description: e.Message})
		}
		for _, f := range e.Fields {
			list = append(list, open311Error{Code: status, Description: strings.TrimSpace(f.Field + " " + f.Message)})
		}
		return writeOpen311(c.Status(status), format, list, open311Errors{Errors: list})
	}
}

func (s *Server) checkJurisdiction(c *fiber.Ctx) error {
	j := c.Query("jurisdiction_id")
	if j == "" && c.Method() == fiber.MethodPost {
		j = string(c.Request().PostArgs().Peek("jurisdiction_id"))
	}
	if j != "" && j != s.Complaints.Settings().JurisdictionID {
		return complaint.ErrUnknownJurisdiction
	}
	return nil
}

// writeOpen311 answers with jsonValue or xmlValue in the chosen format.
func writeOpen311(c *fiber.Ctx, format string, jsonValue, xmlValue any) error {
	if format == "xml" {
		data, err := xml.Marshal(xmlValue)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
		return c.Send(append([]byte(xml.Header), data...))
	}
	data, err := json.Marshal(jsonValue)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(data)
}

// ---- discovery ------------------------------------------------------------

type open311Endpoint struct {
	Specification string    `json:"specification" xml:"specification"`
	URL           string    `json:"url" xml:"url"`
	Changeset     time.Time `json:"changeset" xml:"changeset"`
	Type          string    `json:"type" xml:"type"`
	Formats       []string  `json:"formats" xml:"formats>format"`
}

type open311Discovery struct {
	XMLName    xml.Name          `json:"-" xml:"discovery"`
	Changeset  time.Time         `json:"changeset" xml:"changeset"`
	Contact    string            `json:"contact" xml:"contact"`
	KeyService string            `json:"key_service" xml:"key_service"`
	Endpoints  []open311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// open311Changeset is when the service list last changed (the categories
// are configuration shipped with the binary).
var open311Changeset = time.Date(2026, 11, 1, 0, 0, 0, 0, cst)

func (s *Server) handleOpen311Discovery(c *fiber.Ctx, format string) error {
	base := c.BaseURL() + "/open311/v2"
	d := open311Discovery{Changeset: open311Changeset, Contact: s.Complaints.Settings().Contact,
		KeyService: "API 密钥由市无废办在管理后台签发（POST /api/v1/admin/open311/keys）",
		Endpoints: []open311Endpoint{{Specification: open311Spec, URL: base, Changeset: open311Changeset, Type: "production",
			Formats: []string{"text/xml", "application/json"}}}}
	return writeOpen311(c, format, d, d)
}

// ---- services -------------------------------------------------------------

type open311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type open311Services struct {
	XMLName  xml.Name         `xml:"services"`
	Services []open311Service `xml:"service"`
}

func toOpen311Service(k complaint.Category) open311Service {
	return open311Service{ServiceCode: k.Code, ServiceName: k.Name, Description: k.Description, Metadata: len(k.Attributes) > 0,
		Type: "realtime", Keywords: k.Keywords, Group: k.Group}
}

func (s *Server) handleOpen311Services(c *fiber.Ctx, format string) error {
	var list []open311Service
	for _, k := range s.Complaints.Categories() {
		list = append(list, toOpen311Service(k))
	}
	return writeOpen311(c, format, list, open311Services{Services: list})
}

type open311Value struct {
	XMLName xml.Name `json:"-" xml:"value"`
	Key     string   `json:"key" xml:"key"`
	Name    string   `json:"name" xml:"name"`
}

type open311Attribute struct {
	XMLName             xml.Name       `json:"-" xml:"attribute"`
	Variable            bool           `json:"variable" xml:"variable"`
	Code                string         `json:"code" xml:"code"`
	Datatype            string         `json:"datatype" xml:"datatype"`
	Required            bool           `json:"required" xml:"required"`
	DatatypeDescription string         `json:"datatype_description" xml:"datatype_description"`
	Order               int            `json:"order" xml:"order"`
	Description         string         `json:"description" xml:"description"`
	Values              []open311Value `json:"values,omitempty" xml:"values>value,omitempty"`
}

type open311Definition struct {
	XMLName     xml.Name           `json:"-" xml:"service_definition"`
	ServiceCode string             `json:"service_code" xml:"service_code"`
	Attributes  []open311Attribute `json:"attributes" xml:"attributes>attribute"`
}

var datatypeHelp = map[complaint.Datatype]string{
	complaint.TypeString: "文本", complaint.TypeNumber: "数字", complaint.TypeDatetime: "RFC 3339 时间", complaint.TypeText: "长文本",
	complaint.TypeSingleValue: "单选：填写选项的 key", complaint.TypeMultiValue: "多选：重复 attribute[code][] 或以逗号分隔 key",
}

func (s *Server) handleOpen311Definition(c *fiber.Ctx, format string) error {
	k, err := s.Complaints.Category(c.Params("service_code"))
	if err != nil {
		return err
	}
	d := open311Definition{ServiceCode: k.Code, Attributes: []open311Attribute{}}
	for i, a := range k.Attributes {
		oa := open311Attribute{Variable: true, Code: a.Code, Datatype: string(a.Datatype), Required: a.Required,
			DatatypeDescription: datatypeHelp[a.Datatype], Order: i + 1, Description: a.Description}
		for _, v := range a.Values {
			oa.Values = append(oa.Values, open311Value{Key: v.Key, Name: v.Name})
		}
		d.Attributes = append(d.Attributes, oa)
	}
	return writeOpen311(c, format, d, d)
}

// ---- requests -------------------------------------------------------------

// open311Request is a service request in the public view. Nullable
// fields are pointers so JSON says null where the specification allows it
// (and XML omits them); lat and long are null for a request located only
// by its district; detailed_status and district are this service's
// extensions.
type open311Request struct {
	XMLName           xml.Name   `json:"-" xml:"request"`
	ServiceRequestID  string     `json:"service_request_id" xml:"service_request_id"`
	Status            string     `json:"status" xml:"status"`
	DetailedStatus    string     `json:"detailed_status" xml:"detailed_status"`
	StatusNotes       string     `json:"status_notes" xml:"status_notes"`
	ServiceName       string     `json:"service_name" xml:"service_name"`
	ServiceCode       string     `json:"service_code" xml:"service_code"`
	Description       string     `json:"description" xml:"description"`
	AgencyResponsible string     `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string     `json:"service_notice" xml:"service_notice"`
	RequestedDatetime time.Time  `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   time.Time  `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  *time.Time `json:"expected_datetime" xml:"expected_datetime,omitempty"`
	Address           string     `json:"address" xml:"address"`
	AddressID         *string    `json:"address_id" xml:"address_id,omitempty"`
	Zipcode           *string    `json:"zipcode" xml:"zipcode,omitempty"`
	Lat               *float64   `json:"lat" xml:"lat,omitempty"`
	Long              *float64   `json:"long" xml:"long,omitempty"`
	MediaURL          *string    `json:"media_url" xml:"media_url,omitempty"`
	District          string     `json:"district" xml:"district"`
}

type open311Requests struct {
	XMLName  xml.Name         `xml:"service_requests"`
	Requests []open311Request `xml:"request"`
}

func (s *Server) toOpen311Request(cpl complaint.Complaint) open311Request {
	k, _ := s.Complaints.Category(cpl.Category)
	r := open311Request{ServiceRequestID: cpl.ID, Status: "open", DetailedStatus: string(cpl.Status), StatusNotes: cpl.Status.Label(),
		ServiceName: k.Name, ServiceCode: cpl.Category, Description: cpl.Description, AgencyResponsible: k.Department,
		ServiceNotice:     fmt.Sprintf("%d 个工作日内受理，受理后 %d 个工作日内办结", k.AcceptDays, k.ResolveDays),
		RequestedDatetime: local(cpl.SubmittedAt), UpdatedDatetime: local(cpl.UpdatedAt), Address: cpl.Address,
		District: cpl.DistName}
	if !cpl.Unlocated {
		// The public view is already rounded in GCJ-02; converting moves
		// the grid, so round again to keep three decimals in WGS-84.
		lat, lng := geo.RoundForPublic(complaint.GCJ02ToWGS84(cpl.Lat, cpl.Lng))
		r.Lat, r.Long = &lat, &lng
	}
	if !cpl.Status.Open() {
		r.Status = "closed"
	}
	if cpl.Handler != nil {
		r.AgencyResponsible = cpl.Handler.Name
	}
	switch {
	case cpl.Status == complaint.StatusRejected:
		r.StatusNotes = cpl.Rejection
	case cpl.Result != "":
		r.StatusNotes = cpl.Result
	}
	if cpl.Status.Open() {
		due := local(cpl.AcceptDue)
		if cpl.ResolveDue != nil {
			due = local(*cpl.ResolveDue)
		}
		r.ExpectedDatetime = &due
	}
	if cpl.MediaURL != "" {
		u := cpl.MediaURL
		r.MediaURL = &u
	}
	return r
}

// parseOpen311Time parses a W3C date-time (the specification's format).
func parseOpen311Time(raw, name string) (*time.Time, error) {
	if raw == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return nil, errs.Invalid(errs.Field(name, "invalid", "须为 W3C 日期时间，如 2026-01-31T08:00:00+08:00"))
	}
	return &t, nil
}

func (s *Server) handleOpen311Requests(c *fiber.Ctx, format string) error {
	f := complaint.PublicFilter{Category: c.Query("service_code"), Limit: 1000}
	if ids := c.Query("service_request_id"); ids != "" {
		for _, id := range strings.Split(ids, ",") {
			if id = strings.TrimSpace(id); id != "" {
				f.IDs = append(f.IDs, id)
			}
		}
		if len(f.IDs) > 100 {
			return errs.Invalid(errs.Field("service_request_id", "too_many", "一次最多查询 100 个编号"))
		}
	}
	var err error
	if f.From, err = parseOpen311Time(c.Query("start_date"), "start_date"); err != nil {
		return err
	}
	if f.To, err = parseOpen311Time(c.Query("end_date"), "end_date"); err != nil {
		return err
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return errs.Invalid(errs.Field("end_date", "before_start", "end_date 早于 start_date"))
	}
	// The specification's default window is the last 90 days.
	if f.From == nil && f.To == nil && len(f.IDs) == 0 {
		from := time.Now().Add(-90 * 24 * time.Hour)
		f.From = &from
	}
	switch st := c.Query("status"); st {
	case "":
	case "open", "closed":
		open := st == "open"
		f.Open = &open
	default:
		return errs.Invalid(errs.Field("status", "invalid", "status 须为 open 或 closed"))
	}
	if f.Category != "" {
		if _, err := s.Complaints.Category(f.Category); err != nil {
			return errs.Invalid(errs.Field("service_code", "unknown", "service_code 不存在"))
		}
	}
	items, err := s.Complaints.Public(c.UserContext(), f)
	if err != nil {
		return err
	}
	list := make([]open311Request, len(items))
	for i, it := range items {
		list[i] = s.toOpen311Request(it)
	}
	return writeOpen311(c, format, list, open311Requests{Requests: list})
}

func (s *Server) handleOpen311Request(c *fiber.Ctx, format string) error {
	items, err := s.Complaints.Public(c.UserContext(), complaint.PublicFilter{IDs: []string{c.Params("service_request_id")}})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return complaint.ErrNotFound
	}
	list := []open311Request{s.toOpen311Request(items[0])}
	return writeOpen311(c, format, list, open311Requests{Requests: list})
}

// open311Post is what a POST requests form says, before the key check.
type open311Post struct {
	APIKey string
	Input  complaint.Input
}

// parseOpen311Form reads a POST requests form: service_code, the location,
// description, attribute[code] (multi-value lists as attribute[code][] or
// commas), media_url and the person's contact fields. The location is
// lat+long (WGS-84, converted to GCJ-02), or else an address_string naming
// exactly one of the nine banners and districts, filed without a point
// (complaint.DistrictInAddress): without a geocoder no other address can
// be placed, and address_id has no address register behind it, so both
// are refused as a missing location. Fuzzed directly.
func parseOpen311Form(form url.Values) (open311Post, error) {
	p := open311Post{APIKey: form.Get("api_key")}
	in := complaint.Input{Category: form.Get("service_code"), Description: form.Get("description"),
		Address: form.Get("address_string"), Email: strings.TrimSpace(form.Get("email")), Phone: strings.TrimSpace(form.Get("phone")),
		MediaURL: strings.TrimSpace(form.Get("media_url")), Attributes: map[string]string{}}
	in.Name = strings.TrimSpace(strings.TrimSpace(form.Get("last_name")) + strings.TrimSpace(form.Get("first_name")))
	var fields []errs.FieldError
	if in.Category == "" {
		fields = append(fields, errs.Field("service_code", "required", "缺少 service_code"))
	}
	latRaw, lngRaw := form.Get("lat"), form.Get("long")
	switch {
	case latRaw == "" && lngRaw == "":
		d, ok := complaint.DistrictInAddress(in.Address)
		if !ok {
			fields = append(fields, errs.Field("lat", "required",
				"须提供位置：lat 与 long（WGS-84），或在 address_string 中写明唯一一个旗区（如 东胜区、鄂托克前旗）；暂不支持其他地址或 address_id"))
			break
		}
		in.District = d.Adcode
	default:
		lat, err1 := strconv.ParseFloat(latRaw, 64)
		lng, err2 := strconv.ParseFloat(lngRaw, 64)
		if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
			fields = append(fields, errs.Field("lat", "invalid", "lat/long 须为有效的经纬度"))
		} else {
			glat, glng := complaint.WGS84ToGCJ02(lat, lng)
			in.Lat, in.Lng = &glat, &glng
		}
	}
	for k, vs := range form {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code = strings.TrimSuffix(strings.TrimSuffix(code, "[]"), "]")
		if code == "" || strings.ContainsAny(code, "[]") {
			fields = append(fields, errs.Field(k, "invalid", "attribute 参数格式应为 attribute[code]"))
			continue
		}
		in.Attributes[code] = strings.Join(vs, ",")
	}
	if len(fields) > 0 {
		return p, errs.Invalid(fields...)
	}
	p.Input = in
	return p, nil
}

type open311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        *string  `json:"account_id" xml:"account_id,omitempty"`
}

func (s *Server) handleOpen311Post(c *fiber.Ctx, format string) error {
	mt := strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0])
	if mt != fiber.MIMEApplicationForm {
		return errs.ErrUnsupportedMedia.WithMessage("请使用 application/x-www-form-urlencoded 表单提交")
	}
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return errs.Invalid(errs.Field("body", "invalid", "表单格式错误"))
	}
	if key := c.Get("X-API-Key"); key != "" && form.Get("api_key") == "" {
		form.Set("api_key", key)
	}
	client, err := s.Complaints.CheckAPIKey(c.UserContext(), form.Get("api_key"))
	if err != nil {
		return err
	}
	p, err := parseOpen311Form(form)
	if err != nil {
		return err
	}
	p.Input.Client = client
	cpl, _, err := s.Complaints.Submit(c.UserContext(), open311Actor, p.Input)
	if err != nil {
		return err
	}
	r := s.toOpen311Request(cpl)
	out := []open311Created{{ServiceRequestID: cpl.ID, ServiceNotice: r.ServiceNotice}}
	return writeOpen311(c.Status(fiber.StatusCreated), format, out, open311Requests2{Requests: out})
}

type open311Requests2 struct {
	XMLName  xml.Name         `xml:"service_requests"`
	Requests []open311Created `xml:"request"`
}

// open311Actor files requests for API clients: no user, so no photos and
// no WeChat identity; the client's name is carried in the input.
var open311Actor = account.Actor{}
