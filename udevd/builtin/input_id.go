package builtin

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "input_id", Help: "Input device properties", Run: inputID})
}

// Event types, keys and properties of linux/input-event-codes.h used to classify an input device.
const (
	evKey = 0x01
	evRel = 0x02
	evAbs = 0x03
	evSw  = 0x05

	relX = 0x00
	relY = 0x01
	absX = 0x00
	absY = 0x01

	btnMisc     = 0x100
	btnMouse    = 0x110
	btnJoystick = 0x120
	btnGamepad  = 0x130
	btnToolPen  = 0x140
	btnToolFing = 0x145
	btnTouch    = 0x14a
	btnStylus   = 0x14b

	propPointingStick = 0x05
	propAccelerometer = 0x06
)

// inputID sets ID_INPUT and ID_INPUT_{KEY,KEYBOARD,MOUSE,TOUCHPAD,TOUCHSCREEN,TABLET,JOYSTICK,SWITCH,
// ACCELEROMETER,POINTINGSTICK} from the capability bitmaps of the input device (the device itself or the parent
// that has capabilities/ev), a simplified form of systemd's input_id.
func inputID(_ context.Context, dev *device.Device, _ []string, _ bool) error {
	var in *device.Device
	for p := dev; p != nil; p = p.Parent() {
		if _, err := p.Attr("capabilities/ev"); err == nil {
			in = p
			break
		}
	}
	if in == nil {
		return errors.New("input_id: no input device with capabilities")
	}
	caps := func(name string) *big.Int {
		v, _ := in.Attr("capabilities/" + name)
		return parseBitmap(v)
	}
	ev, key, rel, abs := caps("ev"), caps("key"), caps("rel"), caps("abs")
	propText, _ := in.Attr("properties")
	prop := parseBitmap(propText)
	set := func(k string) { dev.SetProperty(k, "1") }
	set("ID_INPUT")
	bit := func(b *big.Int, n int) bool { return b.Bit(n) == 1 }

	hasKeys := false
	for k := 1; k < btnMisc; k++ {
		if bit(key, k) {
			hasKeys = true
			break
		}
	}
	// A full keyboard has the first 31 keys (KEY_ESC … KEY_S).
	keyboard := true
	for k := 1; k < 32; k++ {
		if !bit(key, k) {
			keyboard = false
			break
		}
	}
	hasRelXY := bit(ev, evRel) && bit(rel, relX) && bit(rel, relY)
	hasAbsXY := bit(ev, evAbs) && bit(abs, absX) && bit(abs, absY)
	mouseButton := bit(key, btnMouse)
	switch {
	case bit(prop, propAccelerometer):
		set("ID_INPUT_ACCELEROMETER")
	case hasAbsXY && (bit(key, btnStylus) || bit(key, btnToolPen)):
		set("ID_INPUT_TABLET")
	case hasAbsXY && bit(key, btnToolFing) && !bit(key, btnToolPen):
		set("ID_INPUT_TOUCHPAD")
	case hasAbsXY && mouseButton:
		set("ID_INPUT_MOUSE")
	case hasAbsXY && bit(key, btnTouch):
		set("ID_INPUT_TOUCHSCREEN")
	case hasAbsXY && (bit(key, btnJoystick) || bit(key, btnGamepad)):
		set("ID_INPUT_JOYSTICK")
	}
	if hasRelXY && mouseButton {
		if bit(prop, propPointingStick) {
			set("ID_INPUT_POINTINGSTICK")
		}
		set("ID_INPUT_MOUSE")
	}
	if bit(ev, evSw) {
		set("ID_INPUT_SWITCH")
	}
	if bit(ev, evKey) && hasKeys {
		set("ID_INPUT_KEY")
		if keyboard {
			set("ID_INPUT_KEYBOARD")
		}
	}
	return nil
}

// parseBitmap reads a sysfs capability bitmap: hexadecimal words of the machine's long size, most significant
// first, separated by spaces.
func parseBitmap(s string) *big.Int {
	v := new(big.Int)
	for _, w := range strings.Fields(s) {
		x, ok := new(big.Int).SetString(w, 16)
		if !ok {
			return new(big.Int)
		}
		v.Lsh(v, 64).Or(v, x)
	}
	return v
}
