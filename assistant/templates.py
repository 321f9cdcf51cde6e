"""Answer templates of the extractive answerer (data, not code: wording changes go here)."""

FORMULATION = "{prefix}“{name}”是指：{items}。"
FORMULATION_PARTIAL = (
    "{prefix}讲话提到了“{name}”，但只列出了其中{found}项（{names}），其余内容讲话中没有说明：{mention}{mark}"
)
FORMULATION_UNDEFINED = "{prefix}讲话提到了“{name}”，但没有说明它具体指什么：{mention}{mark}"
SEVERAL_SPEECHES = "“{name}”出现在{n}篇讲话中，分别如下："
MORE_SPEECHES = "另有{n}篇讲话也提到“{name}”，未逐一列出；可指明讲话（讲话人、会议或年份）再问。"
OUTLINE = "{speech}共分{n}个部分：{items}。"
LIST = "{head}包括{n}个方面：{items}。"
PART_CHILDREN = "第{part}部分{head}包括{n}个方面：{items}。"
PART_BODY = "{part}{head}：{body}"
NO_SUCH_PART = "{speech}只有{n}个部分，没有第{part}部分。"
CROSS_HEAD = "共有{n}篇讲话谈到这一点："
REFUSAL = "讲话中没有找到这个问题的答案。下面是最相关的内容，供参考。"
NOTICE_NOT_FOUND = "not_found"
NOTICE_INCOMPLETE = "incomplete"
NOTICE_LLM_UNAVAILABLE = "llm_unavailable"  # the generative server failed: this is the extractive answer
EMPTY_QUESTION = "请输入问题。"
NOT_CHINESE = "讲话中没有找到相关内容。本助手回答关于所收录讲话的问题，请用中文提问。"
UNKNOWN_TOPIC = "讲话中没有提到“{terms}”，无法回答这个问题。"
SECTION_EMPTY = (
    "{speech}：“{head}”{mark}只有标题，原文缺少这一部分的正文（转载不完整），因此无法回答具体内容。"
)
MASKED = "讲话原文在这里隐去了具体内容（以“*”或“XX”代替），无法确认：{mention}{mark}"
META = "{speech}{details}{mark}。"
META_DETAILS = {"speaker": "讲话人：{}", "meeting": "会议：{}", "date": "日期：{}"}
ABSENT_FORMULATION = "讲话中没有“{name}”的提法{scope}，无法回答。{suggest}"
ABSENT_SUGGEST = "讲话中提到的相近提法有：{names}。"
SCOPE_LABEL = "（在所选的{n}篇讲话中）"
SCOPE_ABSENT = "所选的讲话{speeches}中没有提到“{term}”。其他讲话中有相关内容，可取消“查找范围”后再问。"
ASK_WHICH = "这个问题需要接着上文理解（{what}），但没有可以对应的上文。请说明具体指哪篇讲话、哪个提法或哪一部分，再问一次。"
QUESTION_TOO_LONG = "问题太长（{n}个字），最多{limit}个字。请只写要问的内容，不必粘贴讲话原文。"
NOTICE_AMBIGUOUS = "ambiguous"
EMPTY_SCOPE = "查找范围是空的：请至少选择一篇讲话，或清空范围在全部讲话中查找。"
