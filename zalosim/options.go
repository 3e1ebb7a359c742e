package zalosim

import "time"

// Option adjusts the Config of a Server.
type Option func(*Config)

// WithConfig lets a test change any Config field.
func WithConfig(f func(*Config)) Option { return Option(f) }

// WithGroups replaces the default groups.
func WithGroups(g ...Group) Option { return func(c *Config) { c.Groups = g } }

// WithRatePerMin sets the sliding-window limit.
func WithRatePerMin(n int) Option { return func(c *Config) { c.RatePerMin = n } }

// WithTokenTTL sets the access token life.
func WithTokenTTL(d time.Duration) Option { return func(c *Config) { c.TokenTTL = d } }

// WithClock injects the simulator's clock.
func WithClock(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// TestConfig is the Config of a simulator for tests: DefaultGroups, an OA
// name, generated credentials, changed by opts.
func TestConfig(opts ...Option) Config {
	cfg := Config{Groups: DefaultGroups(), OAName: "UBND xã Thử Nghiệm"}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithOAs makes the simulator serve several OAs under its one app, each
// with its groups, its token chain and its optional own rate limit; the
// first is the default OA. It replaces the single OA (and the default
// groups) of TestConfig. Empty credentials are generated: read them from
// zalosimtest.Server.OAs or AllCredentials. GenerateOAs makes a province.
func WithOAs(oas ...OA) Option {
	return func(c *Config) {
		c.OAs = oas
		c.OAID, c.OAName, c.Groups, c.RefreshToken, c.AccessToken = "", "", nil, "", ""
	}
}

// WithOARateLimit sets the answer to a call over its OA's own limit
// (Config.OARateCode, Config.OARateMessage); by default -32 with the
// app-wide limit's message.
func WithOARateLimit(code int, message string) Option {
	return func(c *Config) { c.OARateCode, c.OARateMessage = code, message }
}
