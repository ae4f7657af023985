"""Realistic collection texts (SMS, WeChat-style chat, e-mail, call scripts) with the exact set
of finding codes each must produce. Context flags: TB = time-barred debt, 3P = the reader is
a third party (not the debtor)."""

from __future__ import annotations

from faircollect.rules.content import LintContext

DEBTOR = LintContext()
TB = LintContext(time_barred=True)
P3 = LintContext(audience="third_party")

Case = tuple[str, LintContext, frozenset[str]]


def _c(text: str, ctx: LintContext, *codes: str) -> Case:
    return (text, ctx, frozenset(codes))


FLAGGED_ZH: list[Case] = [
    _c("你这个老赖，欠钱不还还有脸接电话？", DEBTOR, "insult"),
    _c(
        "【速借宝】张先生，您已逾期15天，再不处理我们将联系您的紧急联系人和单位同事。",
        DEBTOR,
        "contact_third_party_threat",
    ),
    _c(
        "今天下午5点前不还款，就爆你通讯录，让你所有亲戚朋友都知道你是老赖！",
        DEBTOR,
        "publicise_threat",
        "insult",
    ),
    _c(
        "我是朝阳区人民法院执行局的，你的案件已经立案，三天内不还款将对你强制执行。",
        DEBTOR,
        "impersonation",
    ),
    _c(
        "公安局经侦大队通知：你已涉嫌恶意诈骗，请立即联系处理。",
        DEBTOR,
        "impersonation",
        "arrest_threat",
    ),
    _c("再不还钱，我们就上门找你，到你单位闹，让你在公司待不下去。", DEBTOR, "threat"),
    _c("你他妈的到底还不还？", DEBTOR, "obscenity"),
    _c("傻逼，装什么死，赶紧还钱", DEBTOR, "obscenity"),
    _c("逾期不还将被司法拘留，后果自负！", DEBTOR, "arrest_threat", "threat"),
    _c("你这种人就是骗子，借钱不还", DEBTOR, "insult"),
    _c("我们知道你住哪，也知道你孩子在哪上学，自己看着办。", DEBTOR, "threat"),
    _c("如果今天还不上，我们会把你的欠款信息发到你家族群和朋友圈。", DEBTOR, "publicise_threat"),
    _c(
        "再不还款，我们就给你单位领导打电话，让全公司都知道你欠钱不还。",
        DEBTOR,
        "contact_third_party_threat",
        "publicise_threat",
    ),
    _c("限你今天下午三点前一次性结清全部欠款，否则后果自负。", DEBTOR, "false_urgency", "threat"),
    _c("没钱就去借，找亲戚朋友借、借网贷都行，今天必须还上。", DEBTOR, "false_urgency"),
    _c("你可以借网贷先把我们这笔还了。", DEBTOR, "false_urgency"),
    _c("请在2小时内还款，否则我们将采取进一步措施。", DEBTOR, "false_urgency"),
    _c("您的欠款已移交公安机关处理，请主动投案。", DEBTOR, "arrest_threat"),
    _c("本通知由XX市公安局发出，请您在24小时内处理欠款。", DEBTOR, "impersonation"),
    _c("【人民法院】您的借款纠纷已立案，请于三日内联系处理。", DEBTOR, "impersonation"),
    _c("我们受法院委托，对你进行财产调查。", DEBTOR, "impersonation"),
    _c("你不还钱，我们会让你身败名裂。", DEBTOR, "publicise_threat"),
    _c("张三的家人你好，张三在我平台借款逾期，请督促他还款。", P3, "debt_disclosure"),
    _c("您好，我们是XX金融催收部，找一下李四。", P3, "debt_disclosure"),
    _c("您的债务已逾期五年，如不还款我们将立即起诉。", TB, "time_barred_suit_threat"),
    _c("我司将委托律师向法院提起诉讼，请尽快还款。", TB, "time_barred_suit_threat"),
    _c("别逼我们上门，到时候别怪我们不客气。", DEBTOR, "threat"),
    _c("你全家都是老赖", DEBTOR, "insult"),
    _c("再装死我们就联系你通讯录里的所有人", DEBTOR, "contact_third_party_threat"),
    _c("不还钱就等着坐牢吧", DEBTOR, "arrest_threat"),
    _c("你已被列入老赖黑名单，将在全网曝光。", DEBTOR, "publicise_threat", "insult"),
    _c("我们会派人24小时守在你家门口", DEBTOR, "threat"),
    _c("信不信我找人收拾你", DEBTOR, "threat"),
    _c("你个穷鬼，装什么大款", DEBTOR, "insult"),
    _c("欠钱不还的人渣", DEBTOR, "insult"),
    _c("我们将通知你们村委会和你爸妈", DEBTOR, "contact_third_party_threat"),
    _c("我们已经把你的照片P图发到网上了", DEBTOR, "publicise_threat"),
    _c("警察马上就到你家，准备好手铐吧", DEBTOR, "arrest_threat"),
    _c("马上给我还钱，不然打断你的腿", DEBTOR, "threat"),
    _c("这是最后通牒，今晚12点前必须全额还清", DEBTOR, "false_urgency"),
    _c("我们不会报警，但会通知你的单位", DEBTOR, "contact_third_party_threat"),
    _c("你不还钱就告诉你老婆", DEBTOR, "contact_third_party_threat"),
    _c("我们是公安局的，请配合调查", DEBTOR, "impersonation"),
    _c("兄弟，欠的钱什么时候还？再拖下去兄弟们就上门了", DEBTOR, "threat"),
    _c(
        "催收员：您好，我是XX法院委派的调解员，关于您的欠款需要跟您核实一下。",
        DEBTOR,
        "impersonation",
    ),
    _c("不还钱我们就报警，让警察来抓你", DEBTOR, "arrest_threat"),
    _c("今天之内不还，明天就发律师函到你单位", DEBTOR, "contact_third_party_threat"),
    _c("再不接电话，你的通讯录好友都会收到你的欠款信息", DEBTOR, "contact_third_party_threat"),
    _c("你再不还钱试试看", DEBTOR, "threat"),
    _c("赶紧还钱，别让我们去你家找你", DEBTOR, "threat"),
    _c("你要是还不上，就让你父母替你还", DEBTOR, "contact_third_party_threat"),
    _c("你老婆的电话我们已经拿到了", DEBTOR, "contact_third_party_threat"),
    _c("不还钱你就是诈骗", DEBTOR, "arrest_threat"),
    _c("小心点，我们有的是办法让你还钱", DEBTOR, "threat"),
    _c("我们是网警，你的账户涉嫌违法", DEBTOR, "impersonation"),
    _c("明天上午十点前不到账，我们就联系你的公司人事部", DEBTOR, "contact_third_party_threat"),
    _c("我们已经把你的资料提交给法务部，下周起诉", TB, "time_barred_suit_threat"),
    _c("【XX金融】你这个骗子，借了钱就跑，tmd赶紧还钱", DEBTOR, "insult", "obscenity"),
    _c("你欠的钱再不还，我们就去你老家找你父母要", DEBTOR, "contact_third_party_threat"),
    _c(
        "你最好今天把钱还上，不然明天你们公司所有人都会收到你的欠款通知",
        DEBTOR,
        "contact_third_party_threat",
    ),
    _c("给你脸了是吧？", DEBTOR, "insult"),
    _c("你是不是想进去蹲几年？", DEBTOR, "arrest_threat"),
    _c("你的征信已经黑了，这辈子都别想贷款了，你孩子以后也考不了公务员", DEBTOR, "threat"),
    _c("我们会每天给你打100个电话", DEBTOR, "threat"),
    _c("这是你最后的机会，今晚12点前不还就移交司法机关", DEBTOR, "arrest_threat"),
    _c("已经安排外访人员到你村里了，让全村人都知道你欠钱不还", DEBTOR, "publicise_threat"),
]

CLEAN_ZH: list[Case] = [
    _c("【某某金融】尊敬的客户，您的借款已逾期3天，请及时还款。回复TD退订", DEBTOR),
    _c(
        "【XX消费金融】尊敬的王女士，您本期账单应还1,234.56元，已逾期2天，请登录APP还款，"
        "如有困难可申请分期还款。拒收请回复R",
        DEBTOR,
    ),
    _c("我们不会联系您的单位", DEBTOR),
    _c("我们不会上门", DEBTOR),
    _c("请放心，不会告知您的家人", DEBTOR),
    _c("如您对本债务有异议，可以向法院起诉", DEBTOR),
    _c("如您对本债务有异议，可以向法院起诉", TB),
    _c("您有权向人民法院提起诉讼，也可以向监管部门投诉。", DEBTOR),
    _c("您有权向人民法院提起诉讼，也可以向监管部门投诉。", TB),
    _c("谨防诈骗：我司不会以公安、法院名义联系您，也不会要求您向个人账户转账。", DEBTOR),
    _c("如遇冒充我司人员催收，请立即报警", DEBTOR),
    _c("逾期不会坐牢，请放心，我们愿意与您协商还款方案。", DEBTOR),
    _c(
        "您好，我是XX金融的客服小李，想和您确认一下本月的还款计划，方便的时候请回电400-123-4567。",
        DEBTOR,
    ),
    _c("如果您暂时有困难，可以申请延期或分期，我们不会收取额外费用。", DEBTOR),
    _c("我们理解您的处境，请不要为了还款去借网贷或高利贷。", DEBTOR),
    _c("您的还款已成功，感谢您的配合。", DEBTOR),
    _c("您本月的账单已出，应还金额500元，到期日为3月15日。", DEBTOR),
    _c("温馨提示：请勿以贷养贷，理性借贷。", DEBTOR),
    _c("我们绝不会把您的信息透露给任何第三方。", DEBTOR),
    _c("您的紧急联系人不会收到任何关于您借款的信息。", DEBTOR),
    _c("如您对催收方式不满，可拨打投诉电话或向中国互联网金融协会投诉。", DEBTOR),
    _c("为保护您的权益，本次通话将全程录音。", DEBTOR),
    _c("您可以通过APP查看欠款明细，也可以提出还款计划。", DEBTOR),
    _c("我们不会上门，也不会联系您的家人，请放心。", DEBTOR),
    _c("您不必担心，我们只会与您本人沟通。", DEBTOR),
    _c("您好，请问是李四先生的朋友吗？麻烦转告他回电，谢谢。", P3),
    _c("您好，我们想确认张三先生的联系方式，请他方便时回电400-800-1234。", P3),
    _c("本债务已超过诉讼时效，我们不会起诉您，您可自愿选择是否还款。", TB),
    _c("由于本笔欠款时间较长，我司不会通过法律途径追讨。", TB),
    _c("请于3月15日前还款，以免影响您的信用记录。", DEBTOR),
    _c("如需帮助，请联系在线客服。", DEBTOR),
    _c("您好，这里是XX金融，您有一笔账单即将到期，请按时还款。", DEBTOR),
    _c("我们不是法院，也不是公安机关，只是提醒您按时还款。", DEBTOR),
    _c("如果您发现有人冒充法院或公安向您催收，请及时向警方报案。", DEBTOR),
    _c("尊敬的客户，您的借款已结清，结清证明可在APP下载。", DEBTOR),
    _c("我们会在工作日9:00-18:00与您联系，如您希望更换联系时间请告诉我们。", DEBTOR),
    _c(
        "您好，我是XX消费金融的工作人员，工号1234，本次通话会录音。您的借款已逾期10天，"
        "请问您今天方便还款吗？如果有困难，我们可以帮您申请分期。",
        DEBTOR,
    ),
    _c("我们不会把您的情况告诉任何人，包括您的家人和单位。", DEBTOR),
    _c("您的借款已逾期，但我们不会因此联系您的亲友。", DEBTOR),
    _c("请不要担心，我们不会曝光您的任何信息。", DEBTOR),
    _c("根据法律规定，民间借贷逾期不会导致拘留，请放心。", DEBTOR),
    _c("如您已还款，请忽略本短信。", DEBTOR),
    _c("本短信由XX金融发送，请勿回复。", DEBTOR),
    _c("为避免产生更多罚息，请尽快还款。", DEBTOR),
    _c("我们愿意为您减免部分罚息，请在本月底前联系我们。", DEBTOR),
    _c("您好，您在本平台的借款将于明天到期，请确保银行卡余额充足。", DEBTOR),
    _c("如有疑问请致电客服热线95188，我们将竭诚为您服务。", DEBTOR),
    _c("验证码：362514，5分钟内有效，请勿泄露给他人。", DEBTOR),
    _c("我们可以根据您的收入情况，为您制定一个每月还款500元的计划。", DEBTOR),
    _c("您也可以让家人帮忙查看还款提醒。", DEBTOR),
    _c("我们只会在您授权的情况下联系您的紧急联系人。", DEBTOR),
    _c("您好，本次来电是关于您在我司的借款，请问是张三本人吗？", DEBTOR),
    _c("如您联系不上我们，也可以让家人代为联系客服。", DEBTOR),
    _c("您的家人和朋友不会知道这件事。", DEBTOR),
    _c("如果您认为我们的催收行为不当，可以向公安机关报案或向法院起诉。", DEBTOR),
    _c("我们不会冒充公检法人员，请注意防范诈骗。", DEBTOR),
    _c("您好，我们是受XX银行委托的催收机构。", DEBTOR),
    _c("本公司不会向您的单位、家人透露您的借款信息。", DEBTOR),
    _c("该笔债务已超过诉讼时效，根据法律规定，我们不能对您提起诉讼。", TB),
    _c("我们已经把你的资料提交给法务部，下周起诉", DEBTOR),
    _c("您好，我是XX公司的小王，麻烦您转告王先生给我们回个电话，谢谢。", P3),
    _c("您可以再试试用APP还款", DEBTOR),
    _c(
        "【招联金融】尊敬的客户，您的账单已逾期，为避免影响您的个人征信，请尽快通过APP还款。"
        "如已还款请忽略。退订回T",
        DEBTOR,
    ),
    _c(
        "【XX银行】您尾号1234的信用卡本期最低还款额为500.00元，已逾期，请尽快还款，以免产生滞纳金。",
        DEBTOR,
    ),
    _c(
        "您好，我是XX消费金融的催收专员李明，工号A123。本次通话将被录音。您在我司的借款已逾期30天，"
        "欠款金额3,000元。请问您目前的还款能力如何？我们可以为您申请分期还款，每月还款500元。"
        "如果您对欠款金额有异议，可以提出异议申请，我们会在5个工作日内核实。感谢您的配合。",
        DEBTOR,
    ),
    _c("您好，根据您的申请，我们已为您办理停催30天，期间不会有人联系您。", DEBTOR),
    _c(
        "温馨提示：我司工作人员不会要求您转账到个人账户，不会以公安、法院名义催收，如遇此类情况请报警。",
        DEBTOR,
    ),
    _c(
        "您好，您的借款已进入委外催收阶段，受托机构为XX资产管理公司，如有疑问请拨打客服电话。",
        DEBTOR,
    ),
    _c("您好，打扰了，请问王先生在吗？麻烦您让他方便时回电话给我们，电话400-123-4567。", P3),
    _c("您好，您在我司的欠款时间较长，我们愿意为您提供较大幅度的减免，欢迎来电协商。", TB),
    _c("如需线下面谈，我们可以在您方便的时间和地点安排，您也可以拒绝。", DEBTOR),
]

FLAGGED_EN: list[Case] = [
    _c("You deadbeat, pay what you owe.", DEBTOR, "insult"),
    _c("You are a lying thief.", DEBTOR, "insult"),
    _c("Pay up or you'll regret it.", DEBTOR, "threat"),
    _c("We know where your kids go to school.", DEBTOR, "threat"),
    _c("This is Officer Miller from the county sheriff's office.", DEBTOR, "impersonation"),
    _c("OFFICIAL COURT NOTICE: you must appear and pay the balance.", DEBTOR, "impersonation"),
    _c("Failure to pay will result in your arrest.", DEBTOR, "arrest_threat"),
    _c("We will post your name on Facebook.", DEBTOR, "publicise_threat"),
    _c("Pay the full balance today or else.", DEBTOR, "false_urgency"),
    _c("Borrow the money from your family and pay us within 1 hour.", DEBTOR, "false_urgency"),
    _c("What the f*** is wrong with you? Pay your bills.", DEBTOR, "obscenity"),
    _c("If you don't pay today, we will tell your boss.", DEBTOR, "contact_third_party_threat"),
    _c(
        "If you do not pay we will contact your employer and your family.",
        DEBTOR,
        "contact_third_party_threat",
    ),
    _c("Unless you pay today, we will call the police.", DEBTOR, "arrest_threat"),
    _c("Your employer will be notified if you do not pay.", DEBTOR, "contact_third_party_threat"),
    _c("If you don't pay by Friday we will take you to court.", TB, "time_barred_suit_threat"),
    _c(
        "We will file a lawsuit against you unless you settle this account.",
        TB,
        "time_barred_suit_threat",
    ),
    _c(
        "Your account has been referred to our attorneys for legal action.",
        TB,
        "time_barred_suit_threat",
    ),
    _c("Hi, John owes us $500 on an overdue loan.", P3, "debt_disclosure"),
    _c(
        "Please tell your brother Mike to call ABC Collections about his debt.",
        P3,
        "debt_disclosure",
    ),
    _c(
        "This is the police. You have an outstanding warrant related to your unpaid loan.",
        DEBTOR,
        "impersonation",
        "arrest_threat",
    ),
    _c(
        "We are calling on behalf of the district court regarding your debt.",
        DEBTOR,
        "impersonation",
    ),
    _c("You will go to jail if this is not paid.", DEBTOR, "arrest_threat"),
    _c("Listen you stupid piece of shit, pay the money.", DEBTOR, "obscenity", "insult"),
    _c("Stop dodging our calls, you scumbag.", DEBTOR, "insult"),
    _c("We will make your life hell until you pay.", DEBTOR, "threat"),
    _c("We'll be sending someone to your house tonight. Watch your back.", DEBTOR, "threat"),
    _c(
        "Everyone at your work will know you're a deadbeat.",
        DEBTOR,
        "contact_third_party_threat",
        "insult",
    ),
    _c(
        "We will tell everyone you know that you don't pay your debts.",
        DEBTOR,
        "publicise_threat",
        "contact_third_party_threat",
    ),
    _c(
        "You must pay the entire amount right now or we'll garnish your wages.",
        DEBTOR,
        "false_urgency",
    ),
    _c("Take out a payday loan if you have to, but pay us today.", DEBTOR, "false_urgency"),
    _c(
        "Sell your car if you need to. We want the full amount by tonight.", DEBTOR, "false_urgency"
    ),
    _c("This is your final ultimatum.", DEBTOR, "false_urgency"),
    _c(
        "I'm a federal agent and this debt is now a criminal matter.",
        DEBTOR,
        "impersonation",
        "arrest_threat",
    ),
    _c(
        "[County Court] Notice of judgment against you. Call 555-0100 now.", DEBTOR, "impersonation"
    ),
    _c("We will report you to the police for fraud.", DEBTOR, "arrest_threat"),
    _c("You're a disgrace and a loser.", DEBTOR, "insult"),
    _c(
        "Nice family you have. It would be a shame if something happened to them.", DEBTOR, "threat"
    ),
    _c("We will text all your contacts about this debt.", DEBTOR, "contact_third_party_threat"),
    _c("Damn you, answer the phone.", DEBTOR, "obscenity"),
    _c(
        "Agent: This is Mark from the Sheriff's Department. If you don't settle today, deputies "
        "will come to arrest you.",
        DEBTOR,
        "impersonation",
        "arrest_threat",
    ),
    _c("Your kids' school will hear about this.", DEBTOR, "threat", "contact_third_party_threat"),
    _c("Pay now, you worthless bum.", DEBTOR, "insult"),
    _c(
        "We'll put it all over Facebook and Instagram that you're a cheat.",
        DEBTOR,
        "publicise_threat",
        "insult",
    ),
    _c("You could lose your job over this.", DEBTOR, "threat"),
    _c("We'll be in touch with your references.", DEBTOR, "contact_third_party_threat"),
    _c("We've already spoken with your sister.", DEBTOR, "contact_third_party_threat"),
    _c("Hey loser, pay up.", DEBTOR, "insult"),
    _c("Are you a liar or just lazy?", DEBTOR, "insult"),
    _c("Don't make us come to your house.", DEBTOR, "threat"),
    _c("Court order: pay $500 by Friday.", DEBTOR, "impersonation"),
    _c("This matter will be escalated to our legal department.", TB, "time_barred_suit_threat"),
    _c("WTF is your problem? Pay what you owe.", DEBTOR, "obscenity"),
    _c("You are a criminal and we will treat you like one.", DEBTOR, "insult"),
    _c("Your boss is going to love hearing about this.", DEBTOR, "contact_third_party_threat"),
    _c(
        "Everyone on Facebook will see what a deadbeat you are.",
        DEBTOR,
        "publicise_threat",
        "insult",
    ),
    _c("We will come to your house and take your car.", DEBTOR, "threat"),
    _c("You better borrow it from someone because we want it today.", DEBTOR, "false_urgency"),
    _c("I'm going to make sure everyone at your church knows.", DEBTOR, "publicise_threat"),
    _c("Pay $2,000 in the next 30 minutes to stop the lawsuit.", DEBTOR, "false_urgency"),
    _c(
        "This is Detective Brown. A warrant has been issued for your arrest.",
        DEBTOR,
        "impersonation",
        "arrest_threat",
    ),
]

CLEAN_EN: list[Case] = [
    _c(
        "This is a communication from a debt collector. Your payment of $120.00 is past due. "
        "Reply STOP to opt out.",
        DEBTOR,
    ),
    _c("We will not sue you.", DEBTOR),
    _c("We will not sue you.", TB),
    _c("We will never contact your employer.", DEBTOR),
    _c("We won't report you to the police.", DEBTOR),
    _c("This is not a threat of legal action.", TB),
    _c(
        "The law limits how long you can be sued on a debt. Because of the age of your debt, we "
        "will not sue you for it.",
        TB,
    ),
    _c("You have the right to dispute this debt in court.", TB),
    _c("We may refer the account to a court.", DEBTOR),
    _c("Please pay the full balance today to avoid further late fees.", DEBTOR),
    _c("If you feel threatened, call the police.", DEBTOR),
    _c("You can tell your family about the plan if you wish.", DEBTOR),
    _c("Beware of scammers claiming to be from the police.", DEBTOR),
    _c(
        "Hi Maria, this is Acme Recovery, a debt collector. Your payment plan installment of $75 "
        "is due on March 5. Reply STOP to opt out.",
        DEBTOR,
    ),
    _c(
        "This is an attempt to collect a debt and any information obtained will be used for that "
        "purpose.",
        DEBTOR,
    ),
    _c("You cannot be arrested for not paying this debt.", DEBTOR),
    _c("We do not contact employers, family members, or friends about your account.", DEBTOR),
    _c(
        "If you are struggling, we can set up an affordable payment plan. There is no need to pay "
        "everything at once.",
        DEBTOR,
    ),
    _c("We will never ask you to borrow money to pay us.", DEBTOR),
    _c("Don't take out a payday loan to pay this debt; talk to us instead.", DEBTOR),
    _c(
        "Your account balance is $250. You may call us at 1-800-555-0199, Monday to Friday.", DEBTOR
    ),
    _c("Hi, this is Anna from Acme. Please ask John Smith to call us back at 555-0100.", P3),
    _c("I'm trying to reach Jane Doe. Is this the best number for her?", P3),
    _c("Free, confidential debt advice is available from StepChange.", DEBTOR),
    _c(
        "We are required by law to tell you that this is a communication from a debt collector.",
        DEBTOR,
    ),
    _c("Please contact us to discuss a payment plan that works for you.", DEBTOR),
    _c("You have the right to request that we stop contacting you at work.", DEBTOR),
    _c("We will not discuss your debt with anyone but you.", DEBTOR),
    _c("Our agents will never threaten you or use abusive language.", DEBTOR),
    _c("No one will be arrested over this debt.", DEBTOR),
    _c("Even if you miss a payment, we will not contact your family.", DEBTOR),
    _c("You may dispute all or part of the debt by April 2.", DEBTOR),
    _c("To stop receiving emails, click here to unsubscribe.", DEBTOR),
    _c("Your payment of $50 was received. Thank you!", DEBTOR),
    _c(
        "Hello, my name is Sam and I'm calling from Acme Recovery, a debt collector. This call may "
        "be recorded. Is now a good time to talk about your account?",
        DEBTOR,
    ),
    _c(
        "If you have questions about your rights, you can contact the Consumer Financial "
        "Protection Bureau.",
        DEBTOR,
    ),
    _c("We are not allowed to sue you for this debt because it is too old.", TB),
    _c(
        "Breathing space: we have paused interest and will not contact you about this debt until "
        "it ends.",
        DEBTOR,
    ),
    _c("We will never share your information with your employer.", DEBTOR),
    _c("We understand things are hard right now; there is no pressure to pay today.", DEBTOR),
    _c("Please reply STOP at any time to stop texts to this number.", DEBTOR),
    _c("Even if you cannot pay, we will not take you to court.", TB),
    _c("Your next installment of $40 is due on Friday. You can pay online or by phone.", DEBTOR),
    _c("We can offer a reduced monthly payment if your income has changed.", DEBTOR),
    _c(
        "Thank you for your promise to pay $100 on the 15th. We'll send a reminder the day before.",
        DEBTOR,
    ),
    _c("We won't call you at work or tell anyone else about this account.", DEBTOR),
    _c("Under no circumstances will we contact your employer.", DEBTOR),
    _c("We will contact your family only with your consent.", DEBTOR),
    _c("If you'd like us to speak with your spouse, please let us know.", DEBTOR),
    _c("The court may order you to pay if we win a judgment.", DEBTOR),
    _c("This matter will be escalated to our legal department.", DEBTOR),
    _c("Please call your bank to confirm the transfer.", DEBTOR),
    _c("If your family wants to help you pay, they can call us.", DEBTOR),
    _c("Thank you for speaking with us today.", DEBTOR),
    _c("If you do not pay, we may report the debt to the credit bureaus.", DEBTOR),
    _c(
        "We are a debt collector. We are attempting to collect a debt and any information obtained "
        "will be used for that purpose.",
        DEBTOR,
    ),
    _c(
        "Hi John, this is Acme Recovery, a debt collector. We received your payment of $200. Your "
        "remaining balance is $800. Reply STOP to opt out.",
        DEBTOR,
    ),
    _c(
        "Under the Breathing Space scheme, we have stopped all collection activity and will not "
        "contact you until your adviser tells us it has ended.",
        DEBTOR,
    ),
    _c(
        "We may report information about your account to credit bureaus. Late payments, missed "
        "payments, or other defaults on your account may be reflected in your credit report.",
        DEBTOR,
    ),
    _c(
        "If you do not respond, we may continue collection activity, which may include a lawsuit.",
        DEBTOR,
    ),
    _c("We'd like to set up a payment plan that fits your budget. There's no rush.", DEBTOR),
    _c(
        "You can reach us Monday to Friday 8am to 8pm. We will not call you before 8am or after "
        "9pm.",
        DEBTOR,
    ),
]
