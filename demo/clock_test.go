package demo

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/clocktest"
)

