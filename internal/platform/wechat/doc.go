// Package wechat is the WeChat mini-program client: login (code2session),
// text moderation (msg_sec_check v2), subscribe messages, unlimited
// mini-program codes and phone numbers. It is built on
// github.com/silenceper/wechat/v2 and keeps the access token in our Redis.
//
// # Development mode
//
// With no AppID configured the client never talks to WeChat: login codes of
// the form "dev:<openid>" log in as that openid, text passes unless it
// contains [DevBlockedText], subscribe messages are logged and kept in
// [Client.DevOutbox], mini-program codes are local placeholder PNGs, and
// phone numbers are unavailable. With an AppID set, "dev:" codes are sent to
// WeChat like any other code, which rejects them.
//
// # The SDK's global HTTP client
//
// The SDK sends every request through one package-level *http.Client
// (util.DefaultHTTPClient) to the fixed host api.weixin.qq.com; neither can be
// set per SDK instance. The first New with an AppID replaces that client, once
// per process, with ours, whose transport reads the calling Client from the
// request's context (every method passes its context down to the SDK). That
// gives each Client its own HTTP timeout even though the HTTP client is
// shared, and it lets tests run in parallel: wechattest.NewServer registers
// its fake under a fresh AppID in a process-wide table, and the transport
// sends requests of that AppID to that fake, so fakes never see each other's
// traffic. Once a fake exists in a process, any request no fake serves fails
// rather than reaching the network. The limits: anything else in the process
// that uses the SDK directly shares our transport (it gets the default
// timeout and no routing); SDK methods that take no context cannot be routed
// or timed per client, so this package calls only the context-taking ones
// (subscribe send and getwxacodeunlimit are posted with the SDK's context-aware
// util.PostJSONContext for that reason); and two fakes cannot share an AppID.
package wechat
