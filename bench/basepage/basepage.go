// Package basepage is the yardstick page of the load test and of the page
// benchmarks: a 50-row html/template table with no session, no database and
// no layout. bench/baseline serves it over HTTP; handler benchmarks render it
// through the same Fiber stack as the page they measure, so that a page's
// cost can be given as a ratio to it.
package basepage

import (
	"fmt"
	"html/template"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

type row struct {
	No                        int
	Code, Name, Spec, Unit    string
	Price, Stock, Min, Status string
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{{.Title}}</h1>
<table><thead><tr><th>#</th><th>编码</th><th>名称</th><th>规格</th><th>单位</th><th>价格</th><th>库存</th><th>起订量</th><th>状态</th></tr></thead>
<tbody>{{range .Rows}}
<tr><td class="num">{{.No}}</td><td><a href="/catalog/{{.No}}">{{.Code}}</a></td><td>{{.Name}}</td><td>{{.Spec}}</td><td>{{.Unit}}</td><td class="num">{{.Price}}</td><td class="num">{{.Stock}}</td><td class="num">{{.Min}}</td><td><span class="badge">{{.Status}}</span></td></tr>{{end}}
</tbody></table></main></body></html>`))

func rows() []row {
	names := []string{"交流伺服电机 400W", "行星减速机 1:10", "通用变频器 0.75kW", "深沟球轴承 6204", "梅花联轴器 D30"}
	specs := []string{"SM60-400-30", "PLF60-10", "VFD-M0.75", "6204-2RS", "LM-30"}
	units := []string{"台", "台", "台", "个", "个"}
	out := make([]row, 50)
	for i := range out {
		k := i % len(names)
		out[i] = row{No: i + 1, Code: fmt.Sprintf("V%06d", 1000+i), Name: names[k], Spec: fmt.Sprintf("%s-%d", specs[k], i),
			Unit: units[k], Price: fmt.Sprintf("¥%d,%03d.00", 1+i%9, (i*137)%1000), Stock: "有货", Min: fmt.Sprint(1 + i%3*5), Status: "已发布"}
	}
	return out
}

var data = struct {
	Title string
	Rows  []row
}{"商品目录", rows()}

// Render writes the page.
func Render(w io.Writer) error { return page.Execute(w, data) }

// App is the bare Fiber app serving the page at "/" with the portal's
// compression settings.
func App() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return Render(c.Response().BodyWriter())
	})
	return app
}
