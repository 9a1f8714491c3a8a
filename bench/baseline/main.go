// Command baseline is the yardstick of bench/load.sh: a bare Fiber app (the
// portal's Fiber version, from the same go.mod, and the portal's compression
// settings) whose one route renders a 50-row table with html/template —
// no session, no database, no layout. Every portal figure of the load test
// is also given as a ratio to this route's.
//
//	go run ./bench/baseline -addr 127.0.0.1:18481
package main

import (
	"flag"
	"fmt"
	"html/template"
	"log"
	"os"
	"os/signal"
	"syscall"

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

func main() {
	addr := flag.String("addr", "127.0.0.1:18481", "listen address")
	flag.Parse()
	data := struct {
		Title string
		Rows  []row
	}{"商品目录", rows()}

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return page.Execute(c.Response().BodyWriter(), data)
	})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		app.Shutdown()
	}()
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}
