"""The units the district work plan names (望城区 2021 work plan), in the plan's order.

(code, short name as the plan writes it, full name, kind)
"""

DEPARTMENTS = [
    ("XZSP", "区行政审批服务局", "长沙市望城区行政审批服务局", "department"),
    ("SCJG", "区市场监管局", "长沙市望城区市场监督管理局", "department"),
    ("GA", "区公安分局", "长沙市公安局望城分局", "department"),
    ("ZJ", "区住建局", "长沙市望城区住房和城乡建设局", "department"),
    ("CG", "区城管局", "长沙市望城区城市管理和综合执法局", "department"),
    ("RS", "区人社局", "长沙市望城区人力资源和社会保障局", "department"),
    ("SW", "区税务局", "国家税务总局长沙市望城区税务局", "department"),
    ("JT", "区交通局", "长沙市望城区交通运输局", "department"),
    ("ZG", "区资规分局", "长沙市自然资源和规划局望城分局", "department"),
    ("STHJ", "区生态环境分局", "长沙市生态环境局望城分局", "department"),
    ("WJ", "区卫健局", "长沙市望城区卫生健康局", "department"),
    ("GJJ", "公积金中心", "长沙住房公积金管理中心望城管理部", "department"),
    ("MZ", "区民政局", "长沙市望城区民政局", "department"),
    ("SF", "区司法局", "长沙市望城区司法局", "department"),
    ("JY", "区教育局", "长沙市望城区教育局", "department"),
    ("YB", "区医保局", "长沙市望城区医疗保障局", "department"),
    ("FG", "区发改局", "长沙市望城区发展和改革局", "department"),
    ("NYNC", "区农业农村局", "长沙市望城区农业农村局", "department"),
    ("QX", "区气象局", "长沙市望城区气象局", "department"),
    ("CZ", "区财政局", "长沙市望城区财政局", "department"),
    ("SJZY", "区数据资源中心", "长沙市望城区数据资源管理中心", "department"),
    ("GX", "区工信局", "长沙市望城区工业和信息化局", "department"),
    ("SWJ", "区商务局", "长沙市望城区商务局", "department"),
    ("SL", "区水利局", "长沙市望城区水利局", "department"),
    ("YJ", "区应急管理局", "长沙市望城区应急管理局", "department"),
    ("RF", "区人防办", "长沙市望城区人民防空办公室", "department"),
    ("WLGT", "区文旅广体局", "长沙市望城区文化旅游广电体育局", "department"),
    ("XF", "区消防大队", "长沙市望城区消防救援大队", "department"),
    ("SHZL", "区社会治理服务中心", "长沙市望城区社会治理服务中心", "department"),
    ("JKQ", "望城经开区", "望城经济技术开发区管理委员会", "park"),
]

LEAD_DEPARTMENT = "XZSP"
