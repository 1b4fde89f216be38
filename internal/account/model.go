// Package account holds users, roles, logins and sessions: citizens who log
// in with WeChat and staff who log in with a username and password.
package account

import (
	"slices"
	"time"
)

// Role is a closed set of what a user may be.
type Role string

// The roles.
const (
	RoleAdmin      Role = "admin"      // 市无废办: everything
	RoleDepartment Role = "department" // 市直部门, scoped to departments
	RoleDistrict   Role = "district"   // 旗区, scoped to district adcodes
	RoleEvaluator  Role = "evaluator"  // 第三方测评机构
	RoleCitizen    Role = "citizen"    // WeChat users
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleDepartment, RoleDistrict, RoleEvaluator, RoleCitizen}

// StaffRoles lists the roles of users who log in with a password.
var StaffRoles = []Role{RoleAdmin, RoleDepartment, RoleDistrict, RoleEvaluator}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Staff reports whether r logs in with a password.
func (r Role) Staff() bool { return slices.Contains(StaffRoles, r) }

// User is a person who can log in.
type User struct {
	ID          string
	Role        Role
	Username    string // staff only
	DisplayName string
	Departments []string // department role: the registry departments it acts for
	Districts   []string // district role: the adcodes it acts for
	Disabled    bool
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// Citizens only; never logged, never shown to other users.
	OpenID  string
	UnionID string
}

// Actor is the authenticated caller of a service method. Services take it
// explicitly; they never read it from a global or a context.
type Actor struct {
	UserID      string   `json:"user_id"`
	Role        Role     `json:"role"`
	Username    string   `json:"username,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Departments []string `json:"departments,omitempty"`
	Districts   []string `json:"districts,omitempty"`
	// RespondentKey is a salted hash of the citizen's WeChat identity
	// (unionid when present, else openid): stable per person, and not
	// reversible to the openid. Empty for staff.
	RespondentKey string `json:"respondent_key,omitempty"`
}

// Is reports whether the actor has one of the roles.
func (a Actor) Is(roles ...Role) bool { return slices.Contains(roles, a.Role) }

// HasDepartment reports whether a department-role actor acts for dept.
func (a Actor) HasDepartment(dept string) bool {
	return a.Role == RoleDepartment && slices.Contains(a.Departments, dept)
}

// HasDistrict reports whether a district-role actor acts for adcode.
func (a Actor) HasDistrict(adcode string) bool {
	return a.Role == RoleDistrict && slices.Contains(a.Districts, adcode)
}
