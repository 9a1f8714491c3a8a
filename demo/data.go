package demo

import "dealerportal/model"

// EnterpriseName is the demo enterprise (the distributor running the portal).
const EnterpriseName = "华信机电设备有限公司"

// DemoPassword is the password of every demo user.
const DemoPassword = "demo1234"

// staffDomain and dealer e-mail domains live under example.com (RFC 2606), so
// that an outbox configured with a real SMTP server never mails a stranger.
const staffDomain = "huaxin-demo.example.com"

// orgSpec is one org unit of the demo tree; parent "" marks the root.
type orgSpec struct{ code, name, parent string }

// demoOrg is the demo org tree: company → region → branch → team.
var demoOrg = []orgSpec{
	{"HQ", "总部", ""},
	{"EAST", "华东大区", "HQ"},
	{"SOUTH", "华南大区", "HQ"},
	{"NORTH", "华北大区", "HQ"},
	{"SH", "上海分公司", "EAST"},
	{"HZ", "杭州分公司", "EAST"},
	{"GZ", "广州分公司", "SOUTH"},
	{"SZ", "深圳分公司", "SOUTH"},
	{"BJ", "北京分公司", "NORTH"},
	{"SH1", "上海销售一组", "SH"},
}

// plainOrg is the org tree of an installation without demo data: one root.
var plainOrg = []orgSpec{{"HQ", "Company", ""}}

// groupSpec is one customer group.
type groupSpec struct{ code, name string }

var demoGroups = []groupSpec{
	{"TIER1", "一级经销商"},
	{"TIER2", "二级经销商"},
	{"KEY", "重点客户"},
}

// staffSpec is one enterprise staff member of the demo.
type staffSpec struct {
	username, name string
	roles          []model.Role
	org            string // the unit the person belongs to
	mode           model.ScopeMode
	scope          []string // org subtrees seen, for ScopeOrg
	mobile         string
	desc           string // for the printed logins
}

var demoStaff = []staffSpec{
	{"admin", "系统管理员", []model.Role{model.RoleAdmin}, "HQ", model.ScopeOrg, []string{"HQ"}, "", "admin (all)"},
	{"east.sales", "张伟", []model.Role{model.RoleSales}, "EAST", model.ScopeOrg, []string{"EAST"}, "13800001001", "sales · East region (华东大区)"},
	{"south.sales", "陈静", []model.Role{model.RoleSales}, "SOUTH", model.ScopeOrg, []string{"SOUTH"}, "13800001002", "sales · South region (华南大区)"},
	{"north.rep", "刘洋", []model.Role{model.RoleSales}, "BJ", model.ScopeOwn, nil, "13800001003", "sales · own customers only (the North ones)"},
	{"finance", "王芳", []model.Role{model.RoleFinance}, "HQ", model.ScopeOrg, []string{"HQ"}, "", "finance · whole company"},
	{"service", "李强", []model.Role{model.RoleService}, "HQ", model.ScopeOrg, []string{"HQ"}, "", "service · whole company"},
	{"viewer", "赵敏", []model.Role{model.RoleViewer}, "EAST", model.ScopeOrg, []string{"EAST"}, "", "viewer · East region, read only"},
}

// regionSales names the salesperson of the customers of each region.
var regionSales = map[string]string{"EAST": "east.sales", "SOUTH": "south.sales", "NORTH": "north.rep"}

// dealerRole is one of a customer's users: username suffix, role, description.
type dealerRole struct {
	suffix string
	role   model.Role
	desc   string
}

var dealerRoles = []dealerRole{
	{"manager", model.RoleManager, "dealer manager"},
	{"buyer", model.RoleBuyer, "dealer buyer"},
	{"finance", model.RoleDealerFinance, "dealer finance"},
}

// city is a place where dealers sit: its address prefix, phone area code and
// the region code used in the unified social credit code (tax number).
type city struct {
	name, pinyin, prefix, area, taxRegion string
	districts                             []string
}

// branchCities lists the cities served by each branch (and team).
var branchCities = map[string][]city{
	"SH": {
		{"上海", "shanghai", "上海市", "021", "310000", []string{"浦东新区", "闵行区", "嘉定区", "松江区", "宝山区", "青浦区"}},
	},
	"SH1": {
		{"上海", "shanghai", "上海市", "021", "310000", []string{"浦东新区", "闵行区", "嘉定区", "松江区", "宝山区", "青浦区"}},
	},
	"HZ": {
		{"杭州", "hangzhou", "浙江省杭州市", "0571", "330100", []string{"余杭区", "萧山区", "滨江区", "拱墅区"}},
		{"宁波", "ningbo", "浙江省宁波市", "0574", "330200", []string{"鄞州区", "北仑区", "慈溪市"}},
		{"绍兴", "shaoxing", "浙江省绍兴市", "0575", "330600", []string{"柯桥区", "越城区"}},
		{"嘉兴", "jiaxing", "浙江省嘉兴市", "0573", "330400", []string{"南湖区", "海宁市"}},
		{"温州", "wenzhou", "浙江省温州市", "0577", "330300", []string{"鹿城区", "瓯海区", "乐清市"}},
	},
	"GZ": {
		{"广州", "guangzhou", "广东省广州市", "020", "440100", []string{"白云区", "番禺区", "天河区", "黄埔区"}},
		{"佛山", "foshan", "广东省佛山市", "0757", "440600", []string{"顺德区", "南海区", "禅城区"}},
		{"中山", "zhongshan", "广东省中山市", "0760", "442000", []string{"小榄镇", "火炬开发区"}},
		{"江门", "jiangmen", "广东省江门市", "0750", "440700", []string{"蓬江区", "新会区"}},
	},
	"SZ": {
		{"深圳", "shenzhen", "广东省深圳市", "0755", "440300", []string{"宝安区", "龙岗区", "南山区", "龙华区"}},
		{"东莞", "dongguan", "广东省东莞市", "0769", "441900", []string{"长安镇", "虎门镇", "松山湖"}},
		{"惠州", "huizhou", "广东省惠州市", "0752", "441300", []string{"惠城区", "惠阳区"}},
	},
	"BJ": {
		{"北京", "beijing", "北京市", "010", "110000", []string{"朝阳区", "丰台区", "大兴区", "海淀区", "通州区"}},
		{"天津", "tianjin", "天津市", "022", "120000", []string{"西青区", "津南区", "北辰区"}},
		{"廊坊", "langfang", "河北省廊坊市", "0316", "131000", []string{"广阳区", "固安县"}},
		{"石家庄", "shijiazhuang", "河北省石家庄市", "0311", "130100", []string{"长安区", "裕华区"}},
		{"保定", "baoding", "河北省保定市", "0312", "130600", []string{"竞秀区", "莲池区"}},
	},
}

// branchWeights spreads generated customers over the branches and the team.
var branchWeights = []struct {
	code   string
	weight int
}{{"SH", 3}, {"SH1", 1}, {"HZ", 4}, {"GZ", 3}, {"SZ", 3}, {"BJ", 3}}

// brand is a trade name (字号) with its pinyin for e-mail domains.
type brand struct{ name, pinyin string }

var brands = []brand{
	{"金马", "jinma"}, {"华隆", "hualong"}, {"恒达", "hengda"}, {"鑫源", "xinyuan"}, {"永盛", "yongsheng"},
	{"宏图", "hongtu"}, {"瑞丰", "ruifeng"}, {"德信", "dexin"}, {"锦程", "jincheng"}, {"中联", "zhonglian"},
	{"汇通", "huitong"}, {"鼎盛", "dingsheng"}, {"远航", "yuanhang"}, {"嘉禾", "jiahe"}, {"安泰", "antai"},
	{"富源", "fuyuan"}, {"兴旺", "xingwang"}, {"顺达", "shunda"}, {"盛世", "shengshi"}, {"通利", "tongli"},
	{"振华", "zhenhua"}, {"天成", "tiancheng"}, {"博远", "boyuan"}, {"创联", "chuanglian"}, {"亿丰", "yifeng"},
	{"利民", "limin"}, {"旭日", "xuri"}, {"晟通", "shengtong"}, {"正源", "zhengyuan"}, {"宝丰", "baofeng"},
	{"精工", "jinggong"}, {"力行", "lixing"}, {"众诚", "zhongcheng"}, {"协力", "xieli"}, {"久安", "jiuan"},
	{"昌盛", "changsheng"}, {"海川", "haichuan"}, {"凯达", "kaida"}, {"东升", "dongsheng"}, {"新锐", "xinrui"},
	{"聚源", "juyuan"}, {"恒泰", "hengtai"}, {"立信", "lixin"}, {"荣达", "rongda"}, {"佳美", "jiamei"},
	{"长兴", "changxing"}, {"广源", "guangyuan"}, {"隆盛", "longsheng"}, {"友邦", "youbang"}, {"明辉", "minghui"},
}

// trades are the business and legal-form endings of company names.
var trades = []string{
	"五金机电有限公司", "机电设备有限公司", "贸易有限公司", "五金商行", "电气设备有限公司",
	"工控技术有限公司", "机械设备有限公司", "自动化科技有限公司", "建材五金经营部", "工业品供应链有限公司",
	"轴承五金有限公司", "液压气动设备有限公司", "电动工具商行", "机电工程有限公司",
}

var (
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
	givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "文博", "俊杰", "雪梅", "国庆", "建国", "丽华", "子涵", "浩然"}
	roads      = []string{"人民路", "解放路", "中山路", "建设路", "工业大道", "科技路", "创业路", "东风路", "新华路", "滨江大道", "长江路", "环城东路", "华夏路", "金桥路", "兴业路", "发展大道"}
	banks      = []string{"中国工商银行", "中国建设银行", "中国银行", "中国农业银行", "招商银行", "交通银行", "浦发银行", "兴业银行"}
	// mobilePrefixes are common mainland mobile number segments.
	mobilePrefixes = []string{"130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158", "159", "177", "180", "181", "186", "187", "188", "189", "199"}
	extraLocs      = []string{"仓库", "门店", "配送中心", "项目收货点", "二号仓"}
)

// customerSpec is one hand-written demo customer: its profile, branch and
// locations (the first is the primary; SaveLocation makes it so).
type customerSpec struct {
	name, short, branch, group, level string
	contact, phone, domain            string
	cityIdx                           int // into branchCities[branch]
	address, bank                     string
	creditYuan                        int64
	locs                              []locSpec
}

type locSpec struct{ name, contact, phone, address string }

var demoCustomers = []customerSpec{
	{"上海金马五金机电有限公司", "上海金马五金", "SH", "TIER1", "A", "王建国", "021-5888 1234", "jinma-sh", 0,
		"上海市浦东新区金桥路1288号", "中国工商银行上海张江支行", 2_000_000, []locSpec{
			{"公司总部", "王建国", "021-5888 1234", "上海市浦东新区金桥路1288号"},
			{"嘉定仓库", "李明", "138 0001 2001", "上海市嘉定区兴业路66号3号库"},
			{"松江门店", "周丽", "021-5768 3321", "上海市松江区新华路208号"},
		}},
	{"上海浦江恒达机电设备有限公司", "浦江恒达", "SH1", "TIER2", "B", "陈志强", "021-6452 7788", "hengda-pj", 0,
		"上海市闵行区华夏路599号", "招商银行上海闵行支行", 800_000, []locSpec{
			{"公司总部", "陈志强", "021-6452 7788", "上海市闵行区华夏路599号"},
			{"宝山仓库", "韩磊", "138 0001 2002", "上海市宝山区长江路1020号"},
		}},
	{"杭州鑫源五金贸易有限公司", "杭州鑫源", "HZ", "KEY", "A", "徐海燕", "0571-8826 3456", "xinyuan-hz", 0,
		"浙江省杭州市余杭区创业路318号", "中国建设银行杭州余杭支行", 3_000_000, []locSpec{
			{"公司总部", "徐海燕", "0571-8826 3456", "浙江省杭州市余杭区创业路318号"},
			{"萧山配送中心", "孙涛", "138 0001 2003", "浙江省杭州市萧山区工业大道88号"},
			{"滨江门店", "吴娟", "0571-8677 1200", "浙江省杭州市滨江区科技路56号"},
		}},
	{"宁波永盛工控设备有限公司", "宁波永盛", "HZ", "TIER2", "C", "胡俊杰", "0574-8765 4321", "yongsheng-nb", 1,
		"浙江省宁波市鄞州区环城东路77号", "宁波银行鄞州支行", 400_000, []locSpec{
			{"公司总部", "胡俊杰", "0574-8765 4321", "浙江省宁波市鄞州区环城东路77号"},
			{"北仑仓库", "林霞", "138 0001 2004", "浙江省宁波市北仑区滨江大道1号5幢"},
		}},
	{"广州宏图机电设备有限公司", "广州宏图", "GZ", "KEY", "A", "黄文博", "020-3722 6688", "hongtu-gz", 0,
		"广东省广州市白云区东风路1666号", "中国银行广州白云支行", 2_500_000, []locSpec{
			{"公司总部", "黄文博", "020-3722 6688", "广东省广州市白云区东风路1666号"},
			{"番禺仓库", "梁勇", "138 0001 2005", "广东省广州市番禺区工业大道南18号"},
			{"黄埔项目收货点", "谢艳", "138 0001 2015", "广东省广州市黄埔区科技路9号"},
		}},
	{"佛山瑞丰五金商行", "佛山瑞丰", "GZ", "TIER2", "D", "罗国庆", "0757-2288 5566", "ruifeng-fs", 1,
		"广东省佛山市顺德区人民路45号", "中国农业银行佛山顺德支行", 150_000, []locSpec{
			{"门店", "罗国庆", "0757-2288 5566", "广东省佛山市顺德区人民路45号"},
			{"南海仓库", "罗平", "138 0001 2006", "广东省佛山市南海区建设路310号"},
		}},
	{"深圳德信自动化科技有限公司", "深圳德信", "SZ", "TIER1", "B", "郑晓东", "0755-2765 8899", "dexin-sz", 0,
		"广东省深圳市宝安区发展大道2008号", "招商银行深圳宝安支行", 1_000_000, []locSpec{
			{"公司总部", "郑晓东", "0755-2765 8899", "广东省深圳市宝安区发展大道2008号"},
			{"龙华仓库", "许娜", "138 0001 2007", "广东省深圳市龙华区中山路88号"},
		}},
	{"东莞锦程机械设备有限公司", "东莞锦程", "SZ", "TIER2", "C", "唐桂英", "0769-8532 1100", "jincheng-dg", 1,
		"广东省东莞市长安镇解放路133号", "交通银行东莞长安支行", 300_000, []locSpec{
			{"公司总部", "唐桂英", "0769-8532 1100", "广东省东莞市长安镇解放路133号"},
			{"虎门仓库", "冯刚", "138 0001 2008", "广东省东莞市虎门镇新华路27号"},
			{"松山湖门店", "曹子涵", "0769-2289 0031", "广东省东莞市松山湖科技路12号"},
		}},
	{"北京中联机电技术有限公司", "北京中联", "BJ", "KEY", "A", "杨建华", "010-8765 2233", "zhonglian-bj", 0,
		"北京市朝阳区建设路198号", "中国工商银行北京朝阳支行", 2_000_000, []locSpec{
			{"公司总部", "杨建华", "010-8765 2233", "北京市朝阳区建设路198号"},
			{"大兴仓库", "赵磊", "138 0001 2009", "北京市大兴区兴业路8号"},
		}},
	{"天津汇通五金机电有限公司", "天津汇通", "BJ", "TIER2", "B", "马丽华", "022-2738 4455", "huitong-tj", 1,
		"天津市西青区中山路520号", "中国建设银行天津西青支行", 600_000, []locSpec{
			{"公司总部", "马丽华", "022-2738 4455", "天津市西青区中山路520号"},
			{"北辰仓库", "宋杰", "138 0001 2010", "天津市北辰区长江路73号"},
		}},
}
