package complaint

import "slices"

// Action is a move of the workflow.
type Action string

// The actions. Each has one row in transitions.
const (
	ActAccept     Action = "accept"     // 受理
	ActReject     Action = "reject"     // 不予受理
	ActAssign     Action = "assign"     // 交办 (first assignment)
	ActTransfer   Action = "transfer"   // 转办 (re-assignment, with a reason)
	ActStart      Action = "start"      // 开始办理
	ActResolve    Action = "resolve"    // 办结
	ActExtend     Action = "extend"     // 申请延期 (status unchanged)
	ActExtension  Action = "extension"  // 审批延期 (status unchanged)
	ActMerge      Action = "merge"      // 合并重复件
	ActClose      Action = "close"      // 评价满意，结案
	ActReopen     Action = "reopen"     // 评价不满意，重新办理
	ActAutoClose  Action = "auto_close" // 逾期未评价，自动结案
	ActEscalate   Action = "escalate"   // 超期督办 (status unchanged)
	ActWarn       Action = "warn"       // 临期提醒 (status unchanged)
	ActFollow     Action = "follow"     // 关注 (status unchanged)
	ActSubmit     Action = "submit"     // 提交
	actNoneStatus Status = ""
)

// transition is one row of the table: the statuses an action starts from
// and the status it leads to ("" keeps the status).
type transition struct {
	from []Status
	to   Status
}

// transitions is the workflow (DESIGN.md §6). Anything not listed is
// refused with 409 and the current status.
var transitions = map[Action]transition{
	ActAccept:    {from: []Status{StatusSubmitted}, to: StatusAccepted},
	ActReject:    {from: []Status{StatusSubmitted}, to: StatusRejected},
	ActAssign:    {from: []Status{StatusAccepted}, to: StatusAssigned},
	ActTransfer:  {from: []Status{StatusAssigned, StatusInProgress}, to: StatusAssigned},
	ActStart:     {from: []Status{StatusAssigned}, to: StatusInProgress},
	ActResolve:   {from: []Status{StatusInProgress}, to: StatusResolved},
	ActExtend:    {from: []Status{StatusAssigned, StatusInProgress}, to: actNoneStatus},
	ActExtension: {from: []Status{StatusAssigned, StatusInProgress}, to: actNoneStatus},
	ActMerge:     {from: []Status{StatusSubmitted, StatusAccepted, StatusAssigned, StatusInProgress}, to: StatusMerged},
	ActClose:     {from: []Status{StatusResolved}, to: StatusClosed},
	ActReopen:    {from: []Status{StatusResolved}, to: StatusInProgress},
	ActAutoClose: {from: []Status{StatusResolved}, to: StatusClosed},
}

// Next returns the status action leads to from status, and whether the
// move is allowed at all. For actions that keep the status it returns from.
func Next(action Action, from Status) (Status, bool) {
	t, ok := transitions[action]
	if !ok || !slices.Contains(t.from, from) {
		return "", false
	}
	if t.to == actNoneStatus {
		return from, true
	}
	return t.to, true
}
