package mount

import (
	"fmt"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// properties are the mount's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	timeout := "infinity"
	if c.TimeoutUSec != 0 {
		timeout = timespan.Format(time.Duration(c.TimeoutUSec) * time.Microsecond)
	}
	p := map[string]string{
		"What":          c.What,
		"Where":         c.Where,
		"Type":          c.Type,
		"Options":       c.Options,
		"SloppyOptions": yesno(c.SloppyOptions),
		"LazyUnmount":   yesno(c.LazyUnmount),
		"ReadWriteOnly": yesno(c.ReadWriteOnly),
		"ForceUnmount":  yesno(c.ForceUnmount),
		"DirectoryMode": fmt.Sprintf("%04o", c.DirectoryMode),
		"TimeoutUSec":   timeout,
		// What a mount that has not run reports; its state reports replace them.
		"Result": "success", "ReloadResult": "success",
	}
	c.ExecSettings.Properties(p)
	c.KillSettings.Properties(p)
	c.CgroupConfig.Properties(p)
	return p
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
