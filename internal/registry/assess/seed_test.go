package assess

import (
	"fmt"
	"os"
	"testing"
)

// seedIndicator is one row of the seed's indicator table, copied verbatim
// (cells joined where the seed broke them over lines), with the kind and the
// direction the registry must end up with after overrides.yaml.
type seedIndicator struct {
	code, name, baseline, target, unit string
	kind                               Kind
	direction                          Direction
}

// seedIndicators are all 52 indicators in table order, I01–I52.
var seedIndicators = []seedIndicator{
	{"I01", "一般工业固体废物产生强度★", "6.00", "<6.00", "吨/万元", Numeric, Lower},
	{"I02", "工业危险废物产生强度★", "25.39", "20", "千克/万元", Numeric, Lower},
	{"I03", "重点行业通过清洁生产审核评估工业企业占比★", "-", "80", "%", Numeric, Higher},
	{"I04", "开展绿色工厂建设的企业数量", "15", "35", "个", Numeric, Higher},
	{"I05", "开展绿色园区建设的工业园区占比", "12.5", "75", "%", Numeric, Higher},
	{"I06", "“无废园区”建成数量●", "-", "3", "个", Numeric, Higher},
	{"I07", "新增煤矸石综合利用率●", "45.62", "55", "%", Numeric, Higher},
	{"I08", "绿色矿山建成率★", "35", ">35", "%", Numeric, Higher},
	{"I09", "增加实施煤矸石井下填充矿井数量●", "3", "10", "个", Numeric, Higher},
	{"I10", "实施“泥浆不落地”天然气井数量比例●", "100", "100", "%", Numeric, Higher},
	{"I11", "农药减量控害●", "-", "使用量负增长", "", Qualitative, Lower},
	{"I12", "绿色建筑占新建建筑的比例★", "72", "100", "%", Numeric, Higher},
	{"I13", "装配式建筑占新建建筑的比例", "2", "30", "%", Numeric, Higher},
	{"I14", "生活垃圾清运量★", "48.3", "56", "万吨", Numeric, Lower},
	{"I15", "城市居民小区生活垃圾分类覆盖率", "8.69", "100", "%", Numeric, Higher},
	{"I16", "农村地区生活垃圾分类覆盖率", "18.4", "20", "%", Numeric, Higher},
	{"I17", "采购使用符合标准的包装材料比例", "90", "98", "%", Numeric, Higher},
	{"I18", "一般工业固体废物综合利用率★", "37.45", "57", "%", Numeric, Higher},
	{"I19", "固废综合利用重点项目数量（煤矸石年利用量100万吨及以上、粉煤灰年利用量50万吨及以上，气化渣利用量20万吨及以上）●", "3", "20", "个", Numeric, Higher},
	{"I20", "工业危险废物综合利用率★", "-", "逐年提高", "%", Qualitative, Higher},
	{"I21", "秸秆综合利用率★", "86", "≥90", "%", Numeric, Higher},
	{"I22", "畜禽粪污综合利用率★", "90", "95", "%", Numeric, Higher},
	{"I23", "农膜回收率★", "80", "85", "%", Numeric, Higher},
	{"I24", "农药包装废弃物回收率", "81", "≥90", "%", Numeric, Higher},
	{"I25", "建筑垃圾资源化利用率★", "0", "55", "%", Numeric, Higher},
	{"I26", "生活垃圾回收利用率★", "9.73", "35", "%", Numeric, Higher},
	{"I27", "再生资源回收量增长率", "3.5", "2", "%", Numeric, Higher},
	{"I28", "医疗卫生机构可回收物回收率★", "-", "50", "%", Numeric, Higher},
	{"I29", "新能源车、报废机动车等产品类废物回收覆盖率●", "-", "100", "%", Numeric, Higher},
	{"I30", "工业危险废物填埋处置量下降幅度★", "-", "10", "%", Numeric, Higher},
	{"I31", "医疗废物收集处置体系覆盖率★", "100", "100", "%", Numeric, Higher},
	{"I32", "社会源危险废物收集处置体系覆盖率", "-", "80", "%", Numeric, Higher},
	{"I33", "一般工业固体废物贮存处置量下降幅度★", "-", "12", "%", Numeric, Higher},
	{"I34", "完成大宗工业固体废物堆存场所（含尾矿库）综合整治的堆场数量占比", "-", "100", "%", Numeric, Higher},
	{"I35", "病死畜禽集中无害化处理率", "33", "100", "%", Numeric, Higher},
	{"I36", "生活垃圾焚烧处理能力占比★", "0", "65", "%", Numeric, Higher},
	{"I37", "城镇污水污泥无害化处置率★", "100", "100", "%", Numeric, Higher},
	{"I38", "“无废城市”建设地方性法规、政策性文件及有关规划制定★", "-", "5", "个", Numeric, Higher},
	{"I39", "“无废城市”建设协调机制★", "-", "成立工作领导小组，建立工作专班，制定工作机制", "-", Qualitative, Higher},
	{"I40", "“无废城市”建设成效纳入政绩考核情况", "-", "纳入考核体系", "-", Qualitative, Higher},
	{"I41", "开展“无废城市细胞”建设的单位数量（工厂、学校、餐饮单位、酒店、商场、社区、景区、医院）", "-", "300", "个", Numeric, Higher},
	{"I42", "“无废城市”建设项目投资总额★", "-", "300", "亿元", Numeric, Higher},
	{"I43", "纳入企业环境信用评价范围的重点产废企业数量占比", "100", "100", "%", Numeric, Higher},
	{"I44", "固体废物回收利用处置关键技术工艺、设备研发及成果转化", "-", "5", "个", Numeric, Higher},
	{"I45", "固体废物管理信息化监管情况★", "国家固体废物管理信息系统", "建设鄂尔多斯市固体废物智慧化管理平台", "-", Qualitative, Higher},
	{"I46", "危险废物规范化管理抽查合格率", "84.7", "90", "%", Numeric, Higher},
	{"I47", "固体废物环境污染刑事案件立案率★", "100", "100", "%", Numeric, Higher},
	{"I48", "涉固体废物信访、投诉、举报案件办结率", "100", "100", "%", Numeric, Higher},
	{"I49", "固体废物环境污染案件开展生态环境损害赔偿工作的覆盖率", "-", "100", "%", Numeric, Higher},
	{"I50", "“无废城市”建设宣传教育培训普及率", "-", "85", "%", Numeric, Higher},
	{"I51", "政府、企事业单位、非政府环境组织、公众对“无废城市”建设的参与程度", "-", "政府、企事业单位、非政府环境、公众积极参与“无废城市”建设", "-", Qualitative, Higher},
	{"I52", "公众对“无废城市”建设成效的满意程度★", "-", "80", "%", Numeric, Higher},
}

// loadRealOverrides reads the committed overrides file, so these tests fail
// when a reviewed decision is lost or the file stops loading.
func loadRealOverrides(t *testing.T) map[string]Override {
	t.Helper()
	data, err := os.ReadFile("../../../configs/registry/overrides.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ov, err := LoadOverrides(data)
	if err != nil {
		t.Fatal(err)
	}
	return ov
}

func TestSeedIndicators(t *testing.T) {
	t.Parallel()
	if len(seedIndicators) != 52 {
		t.Fatalf("seed table has %d indicators, want 52", len(seedIndicators))
	}
	ov := loadRealOverrides(t)
	for i, in := range seedIndicators {
		t.Run(in.code, func(t *testing.T) {
			t.Parallel()
			if want := fmt.Sprintf("I%02d", i+1); in.code != want {
				t.Fatalf("code %s out of table order, want %s", in.code, want)
			}
			target := ParseTarget(in.target)
			if target.Kind != in.kind {
				t.Errorf("ParseTarget(%q).Kind = %s, want %s", in.target, target.Kind, in.kind)
			}
			if target.Text != in.target {
				t.Errorf("Text = %q, want the cell unchanged %q", target.Text, in.target)
			}
			if got := IndicatorDirection(in.code, in.baseline, in.target, ov); got != in.direction {
				t.Errorf("IndicatorDirection = %s, want %s (%s)", got, in.direction, in.name)
			}
			// A numeric target must be a value CheckValue accepts, or it
			// could never be reported as achieved.
			rule := ov[in.code].Rule
			if target.IsNumeric() {
				if err := rule.Check(in.unit, target, target.Value); err != nil {
					t.Errorf("target %v rejected: %v", target.Value, err)
				}
			}
			if b, ok := ParseNumber(in.baseline); ok {
				if err := rule.Check(in.unit, target, b); err != nil {
					t.Errorf("baseline %v rejected: %v", b, err)
				}
			}
		})
	}
}
