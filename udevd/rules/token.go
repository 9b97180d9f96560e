package rules

// Op is a rule operator.
type Op int

// The operators of udev(7).
const (
	OpMatch       Op = iota // ==
	OpNoMatch               // !=
	OpAdd                   // +=
	OpRemove                // -=
	OpAssign                // =
	OpAssignFinal           // :=
)

var opNames = [...]string{"==", "!=", "+=", "-=", "=", ":="}

func (o Op) String() string { return opNames[o] }

func (o Op) isMatch() bool { return o == OpMatch || o == OpNoMatch }

// kind is a token's type. The order matters: a line's tokens run sorted by kind (as udevd sorts them), so every
// match is tested before any assignment, parent matches together, and PROGRAM before RESULT.
type kind int

const (
	mAction kind = iota
	mDevpath
	mKernel
	mDevlink
	mName
	mEnv
	mConst
	mTag
	mSubsystem
	mDriver
	mAttr
	mSysctl

	mParentsKernel
	mParentsSubsystem
	mParentsDriver
	mParentsAttr
	mParentsTag

	mTest
	mProgram
	mImportFile
	mImportProgram
	mImportBuiltin
	mImportDB
	mImportCmdline
	mImportParent
	mResult

	aOptionsStringEscapeNone
	aOptionsStringEscapeReplace
	aOptionsDBPersist
	aOptionsWatch
	aOptionsLinkPriority
	aOptionsLogLevel
	aOwner
	aGroup
	aMode
	aOwnerID
	aGroupID
	aModeID
	aTag
	aOptionsStaticNode
	aSeclabel
	aEnv
	aName
	aDevlink
	aAttr
	aSysctl
	aRunBuiltin
	aRunProgram
)

func (k kind) forParents() bool { return k >= mParentsKernel && k <= mParentsTag }

func (k kind) isMatch() bool { return k <= mResult }

// matchType says how a match value is compared.
type matchType int

const (
	matchEmpty          matchType = iota // ""
	matchPlain                           // no glob characters
	matchPlainWithEmpty                  // "|foo": also matches ""
	matchGlob                            // * ? [
	matchGlobWithEmpty
	matchSubsystem // "subsystem": matches "subsystem", "class" and "bus"
)

// substType says how an attribute name (ATTR{name}) is resolved.
type substType int

const (
	substPlain  substType = iota
	substFormat           // contains % or $
	substSubsys           // "[subsystem/sysname]attribute"
)

// token is one KEY{attr}OP"value" of a rule line.
type token struct {
	kind  kind
	op    Op
	value string
	// alts are the '|' alternatives of a match value.
	alts      []string
	match     matchType
	trimSpace bool // ATTR match: strip trailing whitespace of the value read (the pattern does not end in one)
	attr      string
	attrSubst substType
	num       int    // uid, gid, mode, link priority, log level, watch (1/0), TEST mode (-1: none)
	text      string // the token as written, for messages
}

// lineType flags what a line can do; a line that can do nothing for an event is skipped.
type lineType int

const (
	lineHasName lineType = 1 << iota
	lineHasDevlink
	lineHasStaticNode
	lineHasGoto
	lineHasLabel
	lineUpdateSomething
)

// Line is one rule (one logical line) of a rules file.
type Line struct {
	File   string
	Number int
	Text   string

	typ       lineType
	tokens    []token
	label     string
	gotoLabel string
	gotoLine  int // index of the LABEL line in the file, -1 if none
}

// File is one parsed rules file.
type File struct {
	Name  string
	Lines []*Line
}
