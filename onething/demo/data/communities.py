"""Syllables for generated community names. The real community list is not available
offline, so communities are generated (and marked as demo data everywhere)."""

FIRST = "金新东西南北兴和安平丰富长青红桃李柳荷莲桂竹松梅龙凤白黄石马高永太福光明建民乐"
SECOND = "山湖塘桥湾洲岭坪冲田园林港源溪坝垸河坡苑庄堤亭岗"
