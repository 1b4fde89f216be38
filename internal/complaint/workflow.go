package complaint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/workday"
)

// step is what one move does to a loaded complaint: it checks the actor's
// right (after the status check) and applies the change. It returns the
// history note.
type step struct {
	allowed func(c Complaint) error
	apply   func(c *Complaint, now time.Time) (note string, err error)
}

// move runs one guarded, atomic move: under the complaint's lock it reads
// the document, checks the transition table and the actor, applies the
// change with its history entry in the same write, then records the audit
// entry and notifies the reporter and followers.
func (s *Service) move(ctx context.Context, a audit.Actor, id string, action Action, st step) (Complaint, error) {
	defer s.locks.Lock("complaint:" + id)()
	for attempt := 0; attempt < 5; attempt++ {
		c, err := s.st.get(ctx, id)
		if err != nil {
			return Complaint{}, err
		}
		before := c.Status
		to, ok := Next(action, c.Status)
		if !ok {
			return Complaint{}, wrongStatus(c.Status)
		}
		if st.allowed != nil {
			if err := st.allowed(c); err != nil {
				return Complaint{}, err
			}
		}
		now := s.now().UTC()
		c.Status = to
		note, err := st.apply(&c, now)
		if err != nil {
			return Complaint{}, err
		}
		c.UpdatedAt = now
		c.History = append(c.History, Event{At: now, Action: string(action), From: before, To: c.Status,
			ByRole: a.Role, ByName: a.Name, Note: note, Handler: c.Handler})
		c, err = s.st.replace(ctx, c)
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return Complaint{}, err
		}
		s.invalidateClosure()
		_ = s.audit.Record(ctx, audit.Entry{Actor: a, Action: "complaint." + string(action), ObjectType: "complaint", ObjectID: id,
			Before: map[string]any{"status": before}, After: map[string]any{"status": c.Status, "note": note, "handler": c.Handler}})
		s.notifyPeople(ctx, c, action)
		return c, nil
	}
	return Complaint{}, errs.ErrConflict
}

// wrongStatus is the 409 answer naming the current status.
func wrongStatus(st Status) error {
	return ErrWrongStatus.WithMessage(fmt.Sprintf("当前状态（%s）不允许此操作", st.Label())).
		WithFields(errs.Field("status", string(st), st.Label()))
}

var actionText = map[Action]string{
	ActAccept: "已受理", ActReject: "不予受理", ActAssign: "已交办", ActTransfer: "已转办", ActStart: "开始办理",
	ActResolve: "已办结，请评价", ActExtension: "办理期限已调整", ActMerge: "已与其他投诉合并办理", ActClose: "已结案",
	ActReopen: "已重新办理", ActAutoClose: "已结案（未评价自动结案）",
}

// notifyPeople tells the reporter and followers about a move. Delivery is
// the notify service's job (durable outbox); a failure to enqueue is logged
// and does not undo the move.
func (s *Service) notifyPeople(ctx context.Context, c Complaint, action Action) {
	text, ok := actionText[action]
	if s.notifier == nil || !ok || action == ActExtension && (c.Extension == nil || c.Extension.State != "approved") {
		return
	}
	to := slices.Clone(c.Followers)
	if c.Reporter.UserID != "" && c.Source == "miniprogram" {
		to = append([]string{c.Reporter.UserID}, to...)
	}
	for _, uid := range to {
		n := notify.Notification{UserID: uid, Kind: "complaint_" + string(action), Title: "投诉处理进度",
			Body: fmt.Sprintf("您%s的投诉 %s %s", map[bool]string{true: "提交", false: "关注"}[uid == c.Reporter.UserID], c.ID, text),
			Page: "pages/complaint/detail?id=" + c.ID,
			Data: map[string]string{"id": c.ID, "status": string(c.Status), "status_label": c.Status.Label()}}
		if err := s.notifier.Notify(ctx, n); err != nil {
			s.log.Warn("complaint notification not queued", "complaint", c.ID, "kind", n.Kind, "err", err)
		}
	}
}

// ---- who may act ----------------------------------------------------------

// intakeRight: the admin, or staff of the category's default department.
func (s *Service) intakeRight(a account.Actor) func(Complaint) error {
	return func(c Complaint) error {
		if a.Is(account.RoleAdmin) || a.HasDepartment(s.categories[c.Category].Department) {
			return nil
		}
		return ErrNotHandler.WithMessage("只有市无废办或该类别的主管部门可以受理")
	}
}

// isHandler reports whether a acts for the unit the case is assigned to.
func isHandler(a account.Actor, c Complaint) bool {
	if c.Handler == nil {
		return false
	}
	switch c.Handler.Kind {
	case "department":
		return a.HasDepartment(c.Handler.Code)
	case "district":
		return a.HasDistrict(c.Handler.Code)
	}
	return false
}

// handlerRight: the admin or the assigned handler.
func handlerRight(a account.Actor) func(Complaint) error {
	return func(c Complaint) error {
		if a.Is(account.RoleAdmin) || isHandler(a, c) {
			return nil
		}
		return ErrNotHandler
	}
}

// ---- the moves ------------------------------------------------------------

// Accept accepts a submitted complaint and starts the resolve deadline.
func (s *Service) Accept(ctx context.Context, a account.Actor, id string) (Complaint, error) {
	return s.move(ctx, a.AuditActor(), id, ActAccept, step{allowed: s.intakeRight(a),
		apply: func(c *Complaint, now time.Time) (string, error) {
			due := s.cal.AddWorkdays(now, s.categories[c.Category].ResolveDays).UTC()
			c.AcceptedAt, c.ResolveDue = &now, &due
			return "", nil
		}})
}

// Reject refuses a submitted complaint with a reason; abusive ones are
// also hidden from Open311 lists.
func (s *Service) Reject(ctx context.Context, a account.Actor, id, reason string, abusive bool) (Complaint, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, true); err != nil {
		return Complaint{}, err
	}
	return s.move(ctx, a.AuditActor(), id, ActReject, step{allowed: s.intakeRight(a),
		apply: func(c *Complaint, now time.Time) (string, error) {
			c.Rejection, c.Abusive, c.ClosedAt = reason, abusive, &now
			return reason, nil
		}})
}

func checkText(field, v string, required bool) error {
	if required && v == "" {
		return errs.Invalid(errs.Field(field, "required", "请填写"+map[string]string{"reason": "原因", "result": "办理结果"}[field]))
	}
	if utf8.RuneCountInString(v) > MaxNote {
		return errs.Invalid(errs.Field(field, "too_long", fmt.Sprintf("不能超过 %d 字", MaxNote)))
	}
	return nil
}

// Target names whom to assign a case to: exactly one of a registry
// department or a district adcode.
type Target struct {
	Department, District string
}

// resolveTarget checks t and returns the Handler.
func (s *Service) resolveTarget(t Target) (Handler, error) {
	switch {
	case t.Department != "" && t.District != "", t.Department == "" && t.District == "":
		return Handler{}, errs.Invalid(errs.Field("department", "one_of", "请指定一个承办部门或旗区"))
	case t.Department != "":
		if s.validDept != nil && !s.validDept(t.Department) {
			return Handler{}, errs.Invalid(errs.Field("department", "unknown", "部门不存在"))
		}
		return Handler{Kind: "department", Code: t.Department, Name: t.Department}, nil
	default:
		for _, d := range geo.Districts() {
			if d.Adcode == t.District {
				return Handler{Kind: "district", Code: d.Adcode, Name: d.Name}, nil
			}
		}
		return Handler{}, errs.Invalid(errs.Field("district", "unknown", "旗区不存在"))
	}
}

// Assign gives an accepted case to a department or district, or transfers
// an assigned one (a reason is then required; history keeps every holder).
func (s *Service) Assign(ctx context.Context, a account.Actor, id string, t Target, reason string) (Complaint, error) {
	h, err := s.resolveTarget(t)
	if err != nil {
		return Complaint{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, false); err != nil {
		return Complaint{}, err
	}
	cur, err := s.st.get(ctx, id)
	if err != nil {
		return Complaint{}, err
	}
	action, allowed := ActAssign, s.intakeRight(a)
	if cur.Status == StatusAssigned || cur.Status == StatusInProgress {
		action, allowed = ActTransfer, handlerRight(a)
		if reason == "" {
			return Complaint{}, errs.Invalid(errs.Field("reason", "required", "转办须说明原因"))
		}
	}
	return s.move(ctx, a.AuditActor(), id, action, step{allowed: func(c Complaint) error {
		if c.Status != cur.Status {
			return errs.ErrConflict // a concurrent move changed assign into transfer or back
		}
		if c.Handler != nil && *c.Handler == h {
			return errs.Invalid(errs.Field("department", "unchanged", "已由该单位承办"))
		}
		return allowed(c)
	}, apply: func(c *Complaint, _ time.Time) (string, error) {
		c.Handler = &h
		return reason, nil
	}})
}

// Start marks an assigned case as being worked on.
func (s *Service) Start(ctx context.Context, a account.Actor, id string) (Complaint, error) {
	return s.move(ctx, a.AuditActor(), id, ActStart, step{allowed: handlerRight(a),
		apply: func(*Complaint, time.Time) (string, error) { return "", nil }})
}

// Resolve reports the result, with optional photos of it.
func (s *Service) Resolve(ctx context.Context, a account.Actor, id, result string, photos []string) (Complaint, error) {
	result = strings.TrimSpace(result)
	if err := checkText("result", result, true); err != nil {
		return Complaint{}, err
	}
	if len(photos) > MaxPhotos {
		return Complaint{}, errs.Invalid(errs.Field("photos", "too_many", fmt.Sprintf("最多 %d 张照片", MaxPhotos)))
	}
	if len(photos) > 0 && s.photos == nil {
		return Complaint{}, errs.Invalid(errs.Field("photos", "unsupported", "暂不支持上传照片"))
	}
	return s.move(ctx, a.AuditActor(), id, ActResolve, step{allowed: handlerRight(a),
		apply: func(c *Complaint, now time.Time) (string, error) {
			if len(photos) > 0 {
				// Claimed inside the move so photos are only attached to
				// a case this handler may resolve; a failure aborts it.
				if err := s.claimPhotos(ctx, a, photos, c.ID); err != nil {
					return "", err
				}
			}
			c.Result, c.ResultPix, c.ResolvedAt = result, append(slices.Clone(c.ResultPix), photos...), &now
			return result, nil
		}})
}

// RequestExtension asks, once per case, for more working days.
func (s *Service) RequestExtension(ctx context.Context, a account.Actor, id string, days int, reason string) (Complaint, error) {
	reason = strings.TrimSpace(reason)
	if days < 1 || days > s.cfg.Settings.MaxExtensionDays {
		return Complaint{}, errs.Invalid(errs.Field("days", "out_of_range", fmt.Sprintf("延期天数须为 1–%d 个工作日", s.cfg.Settings.MaxExtensionDays)))
	}
	if err := checkText("reason", reason, true); err != nil {
		return Complaint{}, err
	}
	return s.move(ctx, a.AuditActor(), id, ActExtend, step{allowed: func(c Complaint) error {
		if err := handlerRight(a)(c); err != nil {
			return err
		}
		if c.Extension != nil {
			return ErrExtensionUsed
		}
		return nil
	}, apply: func(c *Complaint, now time.Time) (string, error) {
		c.Extension = &Extension{Days: days, Reason: reason, RequestedAt: now, State: "requested"}
		return fmt.Sprintf("申请延期 %d 个工作日：%s", days, reason), nil
	}})
}

// DecideExtension is the admin's approval or refusal of the request.
// Approval moves the resolve deadline by the requested working days.
func (s *Service) DecideExtension(ctx context.Context, a account.Actor, id string, approve bool, note string) (Complaint, error) {
	note = strings.TrimSpace(note)
	if err := checkText("note", note, false); err != nil {
		return Complaint{}, err
	}
	return s.move(ctx, a.AuditActor(), id, ActExtension, step{allowed: func(c Complaint) error {
		if !a.Is(account.RoleAdmin) {
			return errs.ErrForbidden.WithMessage("延期须由市无废办审批")
		}
		if c.Extension == nil || c.Extension.State != "requested" {
			return ErrNoExtension
		}
		return nil
	}, apply: func(c *Complaint, now time.Time) (string, error) {
		e := *c.Extension
		e.DecidedAt, e.Note, e.State = &now, note, "refused"
		text := "延期申请未获批准"
		if approve {
			e.State = "approved"
			due := s.cal.AddWorkdays(c.ResolveDue.Add(-time.Nanosecond), e.Days).UTC()
			c.ResolveDue = &due
			c.Warned = slices.DeleteFunc(c.Warned, func(w string) bool { return w == "resolve" })
			c.Overdue = slices.DeleteFunc(c.Overdue, func(w string) bool { return w == "resolve" })
			text = fmt.Sprintf("批准延期 %d 个工作日，新期限 %s", e.Days, due.In(workday.Location()).Format("2006-01-02"))
		}
		c.Extension = &e
		if note != "" {
			text += "：" + note
		}
		return text, nil
	}})
}

// Merge marks a case as a duplicate of into; its reporter and followers
// follow into from then on.
func (s *Service) Merge(ctx context.Context, a account.Actor, id, into string) (Complaint, error) {
	if into == "" || into == id {
		return Complaint{}, errs.Invalid(errs.Field("into", "invalid", "请指定要合并到的另一件投诉"))
	}
	target, err := s.st.get(ctx, into)
	if errors.Is(err, ErrNotFound) {
		return Complaint{}, ErrMergeTarget
	}
	if err != nil {
		return Complaint{}, err
	}
	c, err := s.move(ctx, a.AuditActor(), id, ActMerge, step{allowed: func(c Complaint) error {
		if err := s.intakeRight(a)(c); err != nil && !isHandler(a, c) {
			return err
		}
		if !target.Status.Open() || target.Category != c.Category {
			return ErrMergeTarget
		}
		return nil
	}, apply: func(c *Complaint, now time.Time) (string, error) {
		c.MergedInto, c.ClosedAt = into, &now
		return "合并至 " + into, nil
	}})
	if err != nil {
		return c, err
	}
	// No transactions: the merge stands; adding followers to the target is
	// a second write, retried under the target's lock.
	people := append([]string{}, c.Followers...)
	if c.Reporter.UserID != "" && c.Source == "miniprogram" {
		people = append(people, c.Reporter.UserID)
	}
	for _, uid := range people {
		if err := s.addFollower(ctx, into, uid); err != nil {
			s.log.Warn("merge: follower not added to target", "complaint", id, "into", into, "err", err)
		}
	}
	return c, nil
}

// Follow adds a citizen to the followers of an open complaint (typically a
// duplicate suggested at intake). Following twice is harmless.
func (s *Service) Follow(ctx context.Context, a account.Actor, id string) (Complaint, error) {
	c, err := s.st.get(ctx, id)
	if err != nil {
		return Complaint{}, err
	}
	if c.Status == StatusRejected && c.Abusive || c.Status == StatusMerged {
		return Complaint{}, ErrNotFound
	}
	if !c.Status.Open() {
		return Complaint{}, wrongStatus(c.Status)
	}
	if err := s.addFollower(ctx, id, a.UserID); err != nil {
		return Complaint{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "complaint.follow", ObjectType: "complaint", ObjectID: id})
	return s.st.get(ctx, id)
}

func (s *Service) addFollower(ctx context.Context, id, uid string) error {
	defer s.locks.Lock("complaint:" + id)()
	for attempt := 0; attempt < 5; attempt++ {
		c, err := s.st.get(ctx, id)
		if err != nil {
			return err
		}
		if uid == c.Reporter.UserID || slices.Contains(c.Followers, uid) {
			return nil
		}
		c.Followers = append(c.Followers, uid)
		_, err = s.st.replace(ctx, c)
		if errors.Is(err, errVersion) {
			continue
		}
		return err
	}
	return errs.ErrConflict
}

// FeedbackInput is the reporter's rating of a resolved case.
type FeedbackInput struct {
	Rating  int
	Comment string
	Reopen  bool
}

// Feedback records the reporter's rating: 4–5 closes the case; 1–3 closes
// it too unless the reporter asks to reopen it, which sends it back to the
// handler and counts the reopening.
func (s *Service) Feedback(ctx context.Context, a account.Actor, id string, in FeedbackInput) (Complaint, error) {
	var fields []errs.FieldError
	if in.Rating < 1 || in.Rating > 5 {
		fields = append(fields, errs.Field("rating", "out_of_range", "评分须为 1–5"))
	} else if in.Reopen && in.Rating >= 4 {
		fields = append(fields, errs.Field("reopen", "inconsistent", "满意的评价不能要求重新办理"))
	}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > MaxNote {
		fields = append(fields, errs.Field("comment", "too_long", fmt.Sprintf("不能超过 %d 字", MaxNote)))
	}
	if len(fields) > 0 {
		return Complaint{}, errs.Invalid(fields...)
	}
	if comment != "" && s.text != nil {
		pass, err := s.text.CheckText(ctx, a.UserID, comment)
		if err != nil {
			return Complaint{}, fmt.Errorf("content check: %w", errs.ErrUnavailable)
		}
		if !pass {
			return Complaint{}, ErrTextRejected.WithFields(errs.Field("comment", "content_rejected", "内容未通过安全检测"))
		}
	}
	action := ActClose
	if in.Reopen {
		action = ActReopen
	}
	return s.move(ctx, a.AuditActor(), id, action, step{allowed: func(c Complaint) error {
		if c.Reporter.UserID != a.UserID || c.Source != "miniprogram" {
			return ErrNotReporter
		}
		return nil
	}, apply: func(c *Complaint, now time.Time) (string, error) {
		c.Feedback = append(c.Feedback, Feedback{Rating: in.Rating, Comment: comment, Reopen: in.Reopen, At: now})
		if in.Reopen {
			c.Reopened++
			c.ResolvedAt = nil
		} else {
			c.ClosedAt = &now
		}
		return fmt.Sprintf("评分 %d：%s", in.Rating, comment), nil
	}})
}
