package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/account"
)

// Short role names for the table.
const (
	admin      = account.RoleAdmin
	department = account.RoleDepartment
	district   = account.RoleDistrict
	evaluator  = account.RoleEvaluator
	citizen    = account.RoleCitizen
)

// table is the one route table: every route with its role rule and limit.
// A route missing here does not exist; a route here missing from
// api/openapi.yaml fails TestSpecMatchesRouter.
func (s *Server) table() []Route {
	get, post, patch := fiber.MethodGet, fiber.MethodPost, fiber.MethodPatch
	return []Route{
		// Operations.
		{Method: get, Path: "/livez", Rule: Public, Handler: s.handleLivez},
		{Method: get, Path: "/readyz", Rule: Public, Handler: s.handleReadyz},
		{Method: get, Path: "/metrics", Rule: Public, Handler: s.handleMetrics},
		{Method: get, Path: "/api/openapi.yaml", Rule: Public, Handler: s.handleSpec},

		// Accounts.
		{Method: post, Path: "/api/v1/auth/wechat", Rule: Public, Limit: &Limit{N: 30, Window: time.Minute, Per: PerIP}, Handler: s.handleWeChatLogin},
		{Method: post, Path: "/api/v1/auth/login", Rule: Public, Handler: s.handleLogin},
		{Method: post, Path: "/api/v1/auth/logout", Rule: LoggedIn, Handler: s.handleLogout},
		{Method: get, Path: "/api/v1/me", Rule: LoggedIn, Handler: s.handleMe},
		{Method: get, Path: "/api/v1/admin/users", Rule: Roles(admin), Handler: s.handleListUsers},
		{Method: post, Path: "/api/v1/admin/users", Rule: Roles(admin), Handler: s.handleCreateUser},
		{Method: patch, Path: "/api/v1/admin/users/:id", Rule: Roles(admin), Handler: s.handleUpdateUser},
		{Method: get, Path: "/api/v1/admin/audit", Rule: Roles(admin), Handler: s.handleAudit},

		// Indicator and task registry.
		{Method: get, Path: "/api/v1/indicators", Rule: Public, Handler: s.handleListIndicators},
		{Method: get, Path: "/api/v1/indicators/:code", Rule: Public, Handler: s.handleGetIndicator},
		{Method: patch, Path: "/api/v1/indicators/:code", Rule: Roles(admin), Handler: s.handleCorrectIndicator},
		{Method: post, Path: "/api/v1/indicators/:code/measurements", Rule: Roles(admin, department, district, evaluator), Handler: s.handleAddMeasurement},
		{Method: get, Path: "/api/v1/tasks", Rule: Public, Handler: s.handleListTasks},
		{Method: get, Path: "/api/v1/tasks/:code", Rule: Public, Handler: s.handleGetTask},
		{Method: patch, Path: "/api/v1/tasks/:code", Rule: Roles(admin), Handler: s.handleCorrectTask},
		{Method: post, Path: "/api/v1/tasks/:code/updates", Rule: Roles(admin, department, district, evaluator), Handler: s.handleAddTaskUpdate},
		{Method: get, Path: "/api/v1/departments", Rule: Public, Handler: s.handleDepartments},
		{Method: get, Path: "/api/v1/registry/summary", Rule: Public, Handler: s.handleRegistrySummary},
		{Method: get, Path: "/api/v1/registry/export", Rule: Public, Handler: s.handleRegistryExport},

		// Uploads.
		{Method: get, Path: "/api/v1/notifications", Rule: LoggedIn, Handler: s.handleMyNotifications},

		// <uploads-routes>
		{Method: post, Path: "/api/v1/uploads", Rule: LoggedIn, Limit: &Limit{N: 60, Window: time.Minute, Per: PerUser}, Handler: s.handleUpload},
		{Method: get, Path: "/api/v1/uploads/:id", Rule: LoggedIn, Handler: s.handleGetUpload},
		// </uploads-routes>

		// Surveys and evaluation.
		// <survey-routes>
		// </survey-routes>

		// 无废细胞 certification.
		// <cell-routes>
		// </cell-routes>

		// Complaints and Open311.
		// <complaint-routes>
		// </complaint-routes>
	}
}
