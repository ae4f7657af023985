"""Data for the synthetic portfolio: Chinese surnames (with pinyin and rough frequency
weights), given-name characters, street names, and provinces with real GB/T 2260 division
codes (so that generated id numbers carry a real area code).

Weights are rough shares in per mille, good enough for a realistic-looking book; they are not
statistics to rely on.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["GIVEN_FEMALE", "GIVEN_MALE", "GIVEN_NEUTRAL", "PROVINCES", "STREETS", "SURNAMES"]

# (surname, pinyin, weight)
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 71), ("李", "li", 70), ("张", "zhang", 68), ("刘", "liu", 54),
    ("陈", "chen", 45), ("杨", "yang", 31), ("黄", "huang", 22), ("赵", "zhao", 20),
    ("吴", "wu", 19), ("周", "zhou", 18), ("徐", "xu", 13), ("孙", "sun", 12),
    ("马", "ma", 12), ("朱", "zhu", 11), ("胡", "hu", 11), ("郭", "guo", 11),
    ("何", "he", 10), ("林", "lin", 10), ("高", "gao", 10), ("罗", "luo", 9),
    ("郑", "zheng", 9), ("梁", "liang", 8), ("谢", "xie", 7), ("宋", "song", 6),
    ("唐", "tang", 6), ("许", "xu", 6), ("韩", "han", 6), ("冯", "feng", 6),
    ("邓", "deng", 6), ("曹", "cao", 6), ("彭", "peng", 5), ("曾", "zeng", 5),
    ("肖", "xiao", 5), ("田", "tian", 5), ("董", "dong", 5), ("潘", "pan", 4),
    ("袁", "yuan", 4), ("蔡", "cai", 4), ("蒋", "jiang", 4), ("余", "yu", 4),
    ("于", "yu", 4), ("杜", "du", 4), ("叶", "ye", 4), ("程", "cheng", 4),
    ("魏", "wei", 4), ("苏", "su", 4), ("吕", "lv", 4), ("丁", "ding", 3),
    ("任", "ren", 3), ("卢", "lu", 3), ("姚", "yao", 3), ("沈", "shen", 3),
    ("钟", "zhong", 3), ("姜", "jiang", 3), ("崔", "cui", 3), ("谭", "tan", 3),
    ("陆", "lu", 3), ("范", "fan", 3), ("汪", "wang", 3), ("廖", "liao", 3),
    ("石", "shi", 3), ("金", "jin", 3), ("韦", "wei", 3), ("贾", "jia", 3),
    ("夏", "xia", 2), ("付", "fu", 2), ("方", "fang", 2), ("邹", "zou", 2),
    ("熊", "xiong", 2), ("白", "bai", 2), ("孟", "meng", 2), ("秦", "qin", 2),
    ("邱", "qiu", 2), ("侯", "hou", 2), ("江", "jiang", 2), ("尹", "yin", 2),
    ("薛", "xue", 2), ("闫", "yan", 2), ("段", "duan", 2), ("雷", "lei", 2),
    ("龙", "long", 2), ("黎", "li", 2), ("史", "shi", 2), ("陶", "tao", 2),
    ("贺", "he", 2), ("毛", "mao", 2), ("郝", "hao", 2), ("顾", "gu", 2),
    ("龚", "gong", 2), ("邵", "shao", 2), ("万", "wan", 1), ("覃", "qin", 1),
    ("武", "wu", 1), ("钱", "qian", 1), ("戴", "dai", 1), ("严", "yan", 1),
    ("欧阳", "ouyang", 0.5), ("司马", "sima", 0.2), ("诸葛", "zhuge", 0.1),
)  # fmt: skip

GIVEN_MALE = tuple(
    "伟强磊军洋勇杰涛明超刚鹏飞浩宇博文斌志建国海波俊峰辉鑫凯龙阳健彬亮成东林帆轩睿泽昊然晨"
)
GIVEN_FEMALE = tuple("芳娜敏静丽艳娟秀霞玉兰萍红欣怡婷雪梅琳倩颖佳慧丹莉燕晶宁琪涵思雨诗悦璐蕾薇")
GIVEN_NEUTRAL = tuple("华平英文子一嘉安乐云清心晓")

STREETS = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "胜利路", "长江路",
    "黄河路", "学府路", "光明路", "幸福路", "团结路", "朝阳路", "青年路", "工业路", "花园路",
    "滨江路", "东风路", "迎宾大道", "科技大道", "世纪大道", "府前街", "南大街", "北大街",
    "东大街", "西大街",
)  # fmt: skip


class District(NamedTuple):
    code: str  # GB/T 2260 county-level division code (6 digits)
    city: str
    name: str


class Province(NamedTuple):
    iso: str  # ISO 3166-2:CN
    name: str
    weight: float  # rough population share (millions)
    districts: tuple[District, ...]
    zone: str | None = None  # a local zone some residents use (Xinjiang time)


def _d(city: str, *pairs: str) -> tuple[District, ...]:
    out = []
    for p in pairs:
        code, name = p.split(":")
        out.append(District(code, city, name))
    return tuple(out)


# municipalities: the "city" is the municipality itself
PROVINCES: tuple[Province, ...] = (
    Province(
        "CN-BJ",
        "北京市",
        22,
        _d(
            "北京市",
            "110101:东城区",
            "110102:西城区",
            "110105:朝阳区",
            "110106:丰台区",
            "110108:海淀区",
        ),
    ),
    Province(
        "CN-TJ", "天津市", 14, _d("天津市", "120101:和平区", "120103:河西区", "120104:南开区")
    ),
    Province(
        "CN-HE",
        "河北省",
        75,
        _d("石家庄市", "130102:长安区", "130104:桥西区")
        + _d("唐山市", "130202:路南区", "130203:路北区")
        + _d("保定市", "130602:竞秀区"),
    ),
    Province("CN-SX", "山西省", 35, _d("太原市", "140105:小店区", "140106:迎泽区")),
    Province("CN-NM", "内蒙古自治区", 24, _d("呼和浩特市", "150102:新城区", "150105:赛罕区")),
    Province(
        "CN-LN",
        "辽宁省",
        43,
        _d("沈阳市", "210102:和平区", "210103:沈河区")
        + _d("大连市", "210202:中山区", "210204:沙河口区"),
    ),
    Province("CN-JL", "吉林省", 24, _d("长春市", "220102:南关区", "220104:朝阳区")),
    Province("CN-HL", "黑龙江省", 31, _d("哈尔滨市", "230102:道里区", "230103:南岗区")),
    Province(
        "CN-SH",
        "上海市",
        25,
        _d(
            "上海市",
            "310101:黄浦区",
            "310104:徐汇区",
            "310105:长宁区",
            "310112:闵行区",
            "310115:浦东新区",
        ),
    ),
    Province(
        "CN-JS",
        "江苏省",
        85,
        _d("南京市", "320102:玄武区", "320106:鼓楼区")
        + _d("苏州市", "320505:虎丘区", "320506:吴中区", "320508:姑苏区")
        + _d("无锡市", "320213:梁溪区"),
    ),
    Province(
        "CN-ZJ",
        "浙江省",
        65,
        _d("杭州市", "330102:上城区", "330106:西湖区", "330108:滨江区")
        + _d("宁波市", "330203:海曙区")
        + _d("温州市", "330302:鹿城区"),
    ),
    Province("CN-AH", "安徽省", 61, _d("合肥市", "340102:瑶海区", "340104:蜀山区")),
    Province(
        "CN-FJ",
        "福建省",
        41,
        _d("福州市", "350102:鼓楼区", "350104:仓山区")
        + _d("厦门市", "350203:思明区", "350206:湖里区"),
    ),
    Province("CN-JX", "江西省", 45, _d("南昌市", "360102:东湖区", "360103:西湖区")),
    Province(
        "CN-SD",
        "山东省",
        102,
        _d("济南市", "370102:历下区", "370103:市中区")
        + _d("青岛市", "370202:市南区", "370203:市北区"),
    ),
    Province(
        "CN-HA",
        "河南省",
        99,
        _d("郑州市", "410102:中原区", "410105:金水区") + _d("洛阳市", "410302:老城区"),
    ),
    Province(
        "CN-HB", "湖北省", 58, _d("武汉市", "420102:江岸区", "420106:武昌区", "420111:洪山区")
    ),
    Province(
        "CN-HN", "湖南省", 66, _d("长沙市", "430102:芙蓉区", "430103:天心区", "430104:岳麓区")
    ),
    Province(
        "CN-GD",
        "广东省",
        126,
        _d("广州市", "440103:荔湾区", "440104:越秀区", "440106:天河区", "440111:白云区")
        + _d("深圳市", "440303:罗湖区", "440304:福田区", "440305:南山区", "440306:宝安区")
        + _d("佛山市", "440604:禅城区"),
    ),
    Province("CN-GX", "广西壮族自治区", 50, _d("南宁市", "450102:兴宁区", "450103:青秀区")),
    Province("CN-HI", "海南省", 10, _d("海口市", "460105:秀英区", "460106:龙华区")),
    Province(
        "CN-CQ", "重庆市", 32, _d("重庆市", "500103:渝中区", "500105:江北区", "500106:沙坪坝区")
    ),
    Province(
        "CN-SC",
        "四川省",
        84,
        _d("成都市", "510104:锦江区", "510105:青羊区", "510107:武侯区")
        + _d("绵阳市", "510703:涪城区"),
    ),
    Province("CN-GZ", "贵州省", 39, _d("贵阳市", "520102:南明区", "520103:云岩区")),
    Province("CN-YN", "云南省", 47, _d("昆明市", "530102:五华区", "530103:盘龙区")),
    Province("CN-XZ", "西藏自治区", 4, _d("拉萨市", "540102:城关区")),
    Province(
        "CN-SN", "陕西省", 40, _d("西安市", "610102:新城区", "610103:碑林区", "610113:雁塔区")
    ),
    Province("CN-GS", "甘肃省", 25, _d("兰州市", "620102:城关区", "620103:七里河区")),
    Province("CN-QH", "青海省", 6, _d("西宁市", "630102:城东区", "630103:城中区")),
    Province("CN-NX", "宁夏回族自治区", 7, _d("银川市", "640104:兴庆区")),
    Province(
        "CN-XJ",
        "新疆维吾尔自治区",
        26,
        _d("乌鲁木齐市", "650102:天山区", "650103:沙依巴克区"),
        "Asia/Urumqi",
    ),
)
