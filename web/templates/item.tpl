% it = item
<h1><span class="level {{level_class(it["level"])}}">{{level_name(it["level"])}}</span> {{it["title"]}}</h1>
<div class="item-head">
<section class="card">
<dl class="fields">
  <dt>{{_("Code")}}</dt><dd>{{it["code"]}}</dd>
  <dt>{{_("Kind")}}</dt><dd>{{term("kind", it["kind"])}}</dd>
  <dt>{{_("Level")}}</dt><dd><span class="level {{level_class(it["level"])}}">{{level_name(it["level"])}}</span></dd>
  <dt>{{_("Secrecy period")}}</dt><dd>{{it["period_text"] or "—"}}</dd>
  <dt>{{_("Copy number")}}</dt><dd>{{it["copy_no"]}}{{(" / " + str(it["total_copies"])) if it["total_copies"] else ""}}</dd>
  <dt>{{_("Document number (文号)")}}</dt><dd>{{it["doc_no"] or "—"}}</dd>
  <dt>{{_("Issuing authority")}}</dt><dd>{{it["issuer"] or "—"}}</dd>
  <dt>{{_("Distribution scope")}}</dt><dd>{{"、".join(it["scope"]) if it["scope"] else "—"}}</dd>
  <dt>{{_("Home")}}</dt><dd>{{it["home"]}}</dd>
  <dt>{{_("Status")}}</dt><dd>{{term("status", it["status"])}}</dd>
  <dt>{{_("Holder")}}</dt><dd>{{it["holder"]["name"] if it["holder"] else "—"}}</dd>
  <dt>{{_("Since")}}</dt><dd>{{fmt(it["since"]) or "—"}}</dd>
  <dt>{{_("Where")}}</dt><dd>{{it["location"] or "—"}}</dd>
  % if it["loan_purpose"]:
  <dt>{{_("Purpose")}}</dt><dd>{{purpose_name(it["loan_purpose"])}}</dd>
  <dt>{{_("Due")}}</dt><dd>{{fmt(it["loan_due"])}}</dd>
  % end
  <dt>{{_("Received")}}</dt><dd>{{fmt(it["received_at"])}}</dd>
  % if it["due_back"]:
  <dt>{{_("Due back to the issuer")}}</dt><dd>{{it["due_back"]}}</dd>
  % end
  % if it["no_copy"]:
  <dt>{{_("Copying")}}</dt><dd>{{_("do not copy")}}</dd>
  % end
</dl>
</section>
<section class="card">
  <h2>{{_("Label")}}</h2>
  <img class="label-image" src="/items/{{_code_q}}/label.png" alt="{{_("Label of {code}", code=it["code"])}}" width="300">
  % if "label" in actions:
  <p><a class="button secondary" href="/labels.pdf?codes={{_code_q}}">{{_("Label sheet (PDF)")}}</a></p>
  % end
</section>
</div>

% if _error:
<p class="alert refused" role="alert" id="act-error">{{_error}}</p>
% end
% if _made:
<section class="alert done" id="made">
  <p>{{_("Copies registered:")}}</p>
  <ul>
  % for c in _made:
    <li><a href="/items/{{c["code"]}}">{{c["code"]}}</a> · {{_("copy")}} {{c["copy_no"]}}</li>
  % end
  </ul>
  % if "label" in actions:
  <p><a class="button" id="made-labels" href="/labels.pdf?codes={{",".join(c["code"] for c in _made)}}">{{_("Print their labels (PDF, A4 sheet)")}}</a></p>
  % end
</section>
% end

% if actions:
% v = _values
<h2>{{_("What you may do")}}</h2>
% if it["status"] == "in" and may(Can.CUSTODY):
<p class="hint">{{_("To check it out: scan the borrower's badge, then the item, at a station.")}}</p>
% end
<div class="acts">
  % if "check_out" in actions:
  <details id="act-check-out"{{" open" if _failed == "check_out" else ""}}>
    <summary>{{_("Check out at the desk")}}</summary>
    <form class="stack" method="post" action="/items/{{_code_q}}/check-out">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <label for="co-to">{{_("Borrower (badge)")}}</label>
      <input id="co-to" name="to" required maxlength="64" autocomplete="off" value="{{v.get("to", "") if _failed == "check_out" else ""}}">
      <label for="co-station">{{_("Station")}}</label>
      <select id="co-station" name="station">
      % for s in _stations:
        <option value="{{s["name"]}}"{{" selected" if (v.get("station") if _failed == "check_out" else it["home"]) == s["name"] else ""}}>{{s["name"]}} ({{term("station_kind", s["kind"])}})</option>
      % end
      </select>
      <label for="co-purpose">{{_("Purpose")}}</label>
      <select id="co-purpose" name="purpose">
      % for p in _purposes:
        <option value="{{p}}"{{" selected" if _failed == "check_out" and v.get("purpose") == p else ""}}>{{purpose_name(p)}}</option>
      % end
      </select>
      <label for="co-due">{{_("Due back by (outside or external)")}}</label>
      <input id="co-due" name="due" type="datetime-local" value="{{v.get("due", "") if _failed == "check_out" else ""}}">
      <label for="co-approver">{{_("Approved by (leader's badge)")}}</label>
      <input id="co-approver" name="approved_by" maxlength="64" autocomplete="off" value="{{v.get("approved_by", "") if _failed == "check_out" else ""}}">
      <label for="co-with">{{_("Second person carrying it (badge)")}}</label>
      <input id="co-with" name="with" maxlength="64" autocomplete="off" value="{{v.get("with", "") if _failed == "check_out" else ""}}">
      <label for="co-unit">{{_("Unit it is lent to")}}</label>
      <input id="co-unit" name="unit" value="{{v.get("unit", "") if _failed == "check_out" else ""}}">
      <label for="co-recipient">{{_("Recipient there")}}</label>
      <input id="co-recipient" name="recipient" value="{{v.get("recipient", "") if _failed == "check_out" else ""}}">
      <label for="co-letter">{{_("Letter of introduction (number)")}}</label>
      <input id="co-letter" name="letter" value="{{v.get("letter", "") if _failed == "check_out" else ""}}">
      <label for="co-use">{{_("Stated use (seals, letters)")}}</label>
      <input id="co-use" name="use" value="{{v.get("use", "") if _failed == "check_out" else ""}}">
      <div class="full"><button type="submit" id="co-submit">{{_("Check out")}}</button></div>
    </form>
  </details>
  % end
  % if "copy" in actions:
  <details id="act-copy"{{" open" if _failed == "copy" else ""}}>
    <summary>{{_("Register copies")}}</summary>
    <form class="stack" method="post" action="/items/{{_code_q}}/copy">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <label for="cp-copies">{{_("How many copies")}}</label>
      <input id="cp-copies" name="copies" inputmode="numeric" required value="{{v.get("copies", "1") if _failed == "copy" else "1"}}">
      <label for="cp-by">{{_("Copied by (badge; empty: you)")}}</label>
      <input id="cp-by" name="by" maxlength="64" autocomplete="off" value="{{v.get("by", "") if _failed == "copy" else ""}}">
      <label for="cp-approver">{{_("Approved by (leader's badge or request R12)")}}</label>
      <input id="cp-approver" name="approved_by" maxlength="64" autocomplete="off" value="{{v.get("approved_by", "") if _failed == "copy" else ""}}">
      <label for="cp-issuer-ref">{{_("The issuing authority's approval (reference, top secret)")}}</label>
      <input id="cp-issuer-ref" name="issuer_ref" value="{{v.get("issuer_ref", "") if _failed == "copy" else ""}}">
      <label for="cp-for">{{_("For whom")}}</label>
      <input id="cp-for" name="for" value="{{v.get("for", "") if _failed == "copy" else ""}}">
      <div class="full"><button type="submit" id="cp-submit">{{_("Register the copies")}}</button></div>
    </form>
  </details>
  % end
  % if "due_back" in actions:
  <details id="act-due-back"{{" open" if _failed == "due_back" else ""}}>
    <summary>{{_("Due back to the issuer")}}</summary>
    <form class="stack" method="post" action="/items/{{_code_q}}/due-back">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <label for="db-date">{{_("Due back on")}}</label>
      <input id="db-date" name="date" type="date" required value="{{v.get("date", "") if _failed == "due_back" else (it["due_back"] or "")}}">
      <div class="full"><button type="submit" id="db-submit">{{_("Set the day")}}</button></div>
    </form>
  </details>
  % end
  % if "return_to_issuer" in actions:
  <details id="act-return"{{" open" if _failed == "return_to_issuer" else ""}}>
    <summary>{{_("Return to the issuer")}}</summary>
    <form class="stack" method="post" action="/items/{{_code_q}}/return-to-issuer" data-confirm="{{_("Return this item to its issuer? Its life here ends.")}}">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <label for="rt-ref">{{_("Returned with (清退单号)")}}</label>
      <input id="rt-ref" name="ref" value="{{v.get("ref", "") if _failed == "return_to_issuer" else ""}}">
      <div class="full"><button type="submit" id="rt-submit">{{_("Return to the issuer")}}</button></div>
    </form>
  </details>
  % end
  % if "destroy" in actions:
  <details id="act-destroy"{{" open" if _failed == "destroy" else ""}}>
    <summary>{{_("Destroy")}}</summary>
    <form class="stack" method="post" action="/items/{{_code_q}}/destroy">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <label for="ds-approver">{{_("Approved by (leader's badge or request R12)")}}</label>
      <input id="ds-approver" name="approved_by" maxlength="64" autocomplete="off" value="{{v.get("approved_by", "") if _failed == "destroy" else ""}}">
      <label for="ds-witness1">{{_("First witness (badge)")}}</label>
      <input id="ds-witness1" name="witness1" maxlength="64" autocomplete="off" value="{{v.get("witness1", "") if _failed == "destroy" else ""}}">
      <label for="ds-witness2">{{_("Second witness (badge)")}}</label>
      <input id="ds-witness2" name="witness2" maxlength="64" autocomplete="off" value="{{v.get("witness2", "") if _failed == "destroy" else ""}}">
      <label for="ds-method">{{_("Method")}}</label>
      <input id="ds-method" name="method" placeholder="{{_("shredded, burnt …")}}" value="{{v.get("method", "") if _failed == "destroy" else ""}}">
      <label for="ds-place">{{_("Place")}}</label>
      <input id="ds-place" name="place" value="{{v.get("place", "") if _failed == "destroy" else ""}}">
      <div class="full"><button class="danger" type="submit" id="ds-submit">{{_("Destroy…")}}</button></div>
    </form>
  </details>
  % end
</div>
<div class="actions">
  % if "request" in actions:
  <form method="post" action="/approvals/request">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="code" value="{{it["code"]}}">
    <label for="hours">{{_("Valid for (hours)")}}</label>
    <input id="hours" name="hours" value="8" size="3" inputmode="numeric">
    <button type="submit">{{_("Ask a leader's approval to borrow it")}}</button>
  </form>
  % end
  % if "report_lost" in actions:
  <form method="post" action="/items/{{_code_q}}/lost" data-confirm="{{_("Report this item lost? Leaders are notified.")}}">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="note">{{_("Note")}}</label>
    <input id="note" name="note">
    <button class="danger" type="submit">{{_("Report lost")}}</button>
  </form>
  % end
  % if "resolve_loss" in actions:
  <form method="post" action="/items/{{_code_q}}/found">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="found" value="1">
    <button type="submit">{{_("Found: back in custody")}}</button>
  </form>
  <form method="post" action="/items/{{_code_q}}/found">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="found" value="0">
    <button class="danger" type="submit">{{_("Confirm the loss")}}</button>
  </form>
  % end
</div>
% end

<h2>{{_("History")}}</h2>
<ol class="timeline">
% for e in history:
  <li class="{{"refused" if e["refused"] else ""}}">
    <time datetime="{{e["at"]}}">{{fmt(e["at"])}}</time>
    <strong>{{e["name"]}}</strong>
    % if e["person_name"]:
    · {{e["person_name"]}}
    % end
    % if e["station"]:
    · {{e["station"]}}
    % end
    <span class="muted">· {{e["actor"]}} · #{{e["seq"]}}</span>
  </li>
% end
</ol>
