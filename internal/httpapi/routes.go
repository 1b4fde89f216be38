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
		{Method: get, Path: "/api/v1/surveys", Rule: LoggedIn, Handler: s.handleListSurveys},
		{Method: post, Path: "/api/v1/surveys", Rule: Roles(admin), Handler: s.handleCreateSurvey},
		{Method: get, Path: "/api/v1/surveys/:id", Rule: LoggedIn, Handler: s.handleGetSurvey},
		{Method: patch, Path: "/api/v1/surveys/:id", Rule: Roles(admin), Handler: s.handleUpdateSurvey},
		{Method: post, Path: "/api/v1/surveys/:id/publish", Rule: Roles(admin), Handler: s.handlePublishSurvey},
		{Method: post, Path: "/api/v1/surveys/:id/close", Rule: Roles(admin), Handler: s.handleCloseSurvey},
		{Method: post, Path: "/api/v1/surveys/:id/versions", Rule: Roles(admin), Handler: s.handleNewSurveyVersion},
		{Method: post, Path: "/api/v1/surveys/:id/start", Rule: Roles(citizen), Handler: s.handleStartSurvey},
		// Per-respondent and per-address limits are the survey service's
		// (configurable, and the address limit must admit a campus).
		{Method: post, Path: "/api/v1/surveys/:id/responses", Rule: Roles(citizen), Handler: s.handleSubmitResponse},
		{Method: get, Path: "/api/v1/surveys/:id/stats", Rule: Roles(admin, evaluator), Handler: s.handleSurveyStats},
		{Method: post, Path: "/api/v1/surveys/:id/signoff", Rule: Roles(evaluator), Handler: s.handleSurveySignoff},
		{Method: get, Path: "/api/v1/surveys/:id/export", Rule: Roles(admin, evaluator), Handler: s.handleSurveyExport},
		{Method: post, Path: "/api/v1/surveys/:id/tallies/rebuild", Rule: Roles(admin), Handler: s.handleRebuildSurveyTallies},
		// </survey-routes>

		// 无废细胞 certification.
		// <cell-routes>
		{Method: get, Path: "/api/v1/cells/types", Rule: Public, Handler: s.handleCellTypes},
		{Method: get, Path: "/api/v1/cells/applications", Rule: Roles(admin, district, citizen), Handler: s.handleListCellApplications},
		{Method: post, Path: "/api/v1/cells/applications", Rule: Roles(citizen), Limit: &Limit{N: 20, Window: time.Hour, Per: PerUser}, Handler: s.handleCreateCellApplication},
		{Method: get, Path: "/api/v1/cells/applications/:id", Rule: Roles(admin, district, citizen), Handler: s.handleGetCellApplication},
		{Method: patch, Path: "/api/v1/cells/applications/:id", Rule: Roles(citizen), Handler: s.handlePatchCellApplication},
		{Method: post, Path: "/api/v1/cells/applications/:id/submit", Rule: Roles(citizen), Handler: s.handleSubmitCellApplication},
		{Method: post, Path: "/api/v1/cells/applications/:id/withdraw", Rule: Roles(citizen), Handler: s.handleWithdrawCellApplication},
		{Method: post, Path: "/api/v1/cells/applications/:id/district-review", Rule: Roles(district), Handler: s.handleCellDistrictReview},
		{Method: post, Path: "/api/v1/cells/applications/:id/city-review", Rule: Roles(admin), Handler: s.handleCellCityReview},
		{Method: post, Path: "/api/v1/cells/applications/:id/objections", Rule: LoggedIn, Limit: &Limit{N: 10, Window: time.Hour, Per: PerUser}, Handler: s.handleCellObjection},
		{Method: post, Path: "/api/v1/cells/applications/:id/objections/:oid/resolve", Rule: Roles(admin), Handler: s.handleResolveCellObjection},
		{Method: post, Path: "/api/v1/cells/applications/:id/certify", Rule: Roles(admin), Handler: s.handleCertifyCell},
		{Method: get, Path: "/api/v1/cells/publicity", Rule: Public, Handler: s.handleCellPublicity},
		{Method: get, Path: "/api/v1/cells/certified", Rule: Public, Handler: s.handleCertifiedCells},
		{Method: get, Path: "/api/v1/cells/certificates/:number", Rule: Public, Handler: s.handleGetCertificate},
		{Method: get, Path: "/api/v1/cells/certificates/:number/qrcode", Rule: Public, Handler: s.handleCertificateQRCode},
		{Method: post, Path: "/api/v1/cells/certificates/:number/revoke", Rule: Roles(admin), Handler: s.handleRevokeCertificate},
		// </cell-routes>

		// Complaints and Open311.
		// <complaint-routes>
		{Method: get, Path: "/api/v1/complaints/categories", Rule: Public, Handler: s.handleComplaintCategories},
		{Method: post, Path: "/api/v1/complaints", Rule: Roles(citizen), Limit: &Limit{N: 20, Window: time.Hour, Per: PerUser}, Handler: s.handleSubmitComplaint},
		{Method: get, Path: "/api/v1/complaints", Rule: Roles(admin, department, district), Handler: s.handleListComplaints},
		{Method: get, Path: "/api/v1/complaints/stats", Rule: Roles(admin, department, district), Handler: s.handleComplaintStats},
		{Method: get, Path: "/api/v1/complaints/mine", Rule: Roles(citizen), Handler: s.handleMyComplaints},
		// A probe of other people's reports: limited per user.
		{Method: get, Path: "/api/v1/complaints/nearby", Rule: Roles(citizen), Limit: &Limit{N: 60, Window: time.Minute, Per: PerUser}, Handler: s.handleNearbyComplaints},
		{Method: get, Path: "/api/v1/complaints/:id", Rule: Roles(admin, department, district, citizen), Handler: s.handleGetComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/follow", Rule: Roles(citizen), Handler: s.handleFollowComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/feedback", Rule: Roles(citizen), Handler: s.handleComplaintFeedback},
		{Method: post, Path: "/api/v1/complaints/:id/accept", Rule: Roles(admin, department), Handler: s.handleAcceptComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/reject", Rule: Roles(admin, department), Handler: s.handleRejectComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/assign", Rule: Roles(admin, department, district), Handler: s.handleAssignComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/start", Rule: Roles(admin, department, district), Handler: s.handleStartComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/resolve", Rule: Roles(admin, department, district), Handler: s.handleResolveComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/extend", Rule: Roles(admin, department, district), Handler: s.handleExtendComplaint},
		{Method: post, Path: "/api/v1/complaints/:id/extension", Rule: Roles(admin), Handler: s.handleComplaintExtension},
		{Method: post, Path: "/api/v1/complaints/:id/merge", Rule: Roles(admin, department, district), Handler: s.handleMergeComplaint},
		{Method: post, Path: "/api/v1/admin/open311/keys", Rule: Roles(admin), Handler: s.handleIssueOpen311Key},
		{Method: get, Path: "/api/v1/admin/open311/keys", Rule: Roles(admin), Handler: s.handleListOpen311Keys},
		{Method: post, Path: "/api/v1/admin/open311/keys/:id/revoke", Rule: Roles(admin), Handler: s.handleRevokeOpen311Key},
		{Method: get, Path: "/open311/v2/discovery.:format", Rule: Public, Handler: s.open311(s.handleOpen311Discovery)},
		{Method: get, Path: "/open311/v2/services.:format", Rule: Public, Handler: s.open311(s.handleOpen311Services)},
		{Method: get, Path: "/open311/v2/services/:service_code.:format", Rule: Public, Handler: s.open311(s.handleOpen311Definition)},
		{Method: get, Path: "/open311/v2/requests.:format", Rule: Public, Handler: s.open311(s.handleOpen311Requests)},
		{Method: post, Path: "/open311/v2/requests.:format", Rule: Public, Limit: &Limit{N: 60, Window: time.Minute, Per: PerIP}, Handler: s.open311(s.handleOpen311Post)},
		{Method: get, Path: "/open311/v2/requests/:service_request_id.:format", Rule: Public, Handler: s.open311(s.handleOpen311Request)},
		// </complaint-routes>

		// Web console (the built Vue app, embedded in the binary).
		// <console-routes>
		{Method: get, Path: "/", Rule: Public, Handler: s.handleConsoleRoot},
		{Method: get, Path: "/console/*", Rule: Public, Handler: s.handleConsole()},
		// </console-routes>
	}
}
