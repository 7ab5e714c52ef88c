<h1>{{title}}</h1>
% if error:
<p class="alert refused" role="alert">{{error}}</p>
% end
% if received:
<section class="alert done" id="received">
  <p>{{_("Received {count} copies:", count=len(received))}}</p>
  <ul>
  % for r in received:
    <li><a href="/items/{{r["code"]}}">{{r["code"]}}</a> · <span class="level {{level_class(r["level"])}}">{{level_name(r["level"])}}</span> {{r["title"]}} · {{_("copy")}} {{r["copy_no"]}}</li>
  % end
  </ul>
  <p><a class="button" id="labels" href="{{labels_url}}">{{_("Print their labels (PDF, A4 sheet)")}}</a></p>
</section>
% end
% v = values
<form class="stack" method="post" action="/receive">
  <input type="hidden" name="csrf_token" value="{{csrf_token}}">
  <label for="title">{{_("Title")}}</label>
  <input id="title" name="title" required maxlength="500" value="{{v.get("title", "")}}">
  <label for="level">{{_("Level")}}</label>
  <select id="level" name="level">
  % for lv in levels:
    <option value="{{lv}}"{{" selected" if v.get("level") == lv else ""}}>{{level_name(lv)}}</option>
  % end
  </select>
  <label for="kind">{{_("Kind")}}</label>
  <select id="kind" name="kind">
  % for k in kinds:
    <option value="{{k}}"{{" selected" if v.get("kind") == k else ""}}>{{term("kind", k)}}</option>
  % end
  </select>
  <label for="period">{{_("Secrecy period")}}</label>
  <input id="period" name="period" placeholder="10y · 6m · until:2030-06-30" value="{{v.get("period", "")}}">
  <label for="issuer">{{_("Issuing authority")}}</label>
  <input id="issuer" name="issuer" maxlength="200" value="{{v.get("issuer", "")}}">
  <label for="doc_no">{{_("Document number (文号)")}}</label>
  <input id="doc_no" name="doc_no" maxlength="200" value="{{v.get("doc_no", "")}}">
  <label for="copies">{{_("Copies received")}}</label>
  <input id="copies" name="copies" inputmode="numeric" value="{{v.get("copies", "1")}}">
  <label for="total_copies">{{_("Copies printed in all (印发数量)")}}</label>
  <input id="total_copies" name="total_copies" inputmode="numeric" value="{{v.get("total_copies", "")}}">
  <label for="scope">{{_("Distribution scope (departments or badges, comma-separated)")}}</label>
  <input id="scope" name="scope" value="{{v.get("scope", "")}}">
  <label for="home">{{_("Home station")}}</label>
  <select id="home" name="home">
    <option value="">{{_("the only safe")}}</option>
  % for s in stations:
    <option value="{{s["name"]}}"{{" selected" if v.get("home") == s["name"] else ""}}>{{s["name"]}} ({{term("station_kind", s["kind"])}})</option>
  % end
  </select>
  <label for="due_back">{{_("Due back to the issuer")}}</label>
  <input id="due_back" name="due_back" type="date" value="{{v.get("due_back", "")}}">
  <label for="no_copy">{{_("Do not copy")}}</label>
  <input id="no_copy" name="no_copy" type="checkbox" value="1"{{" checked" if v.get("no_copy") == "1" else ""}}>
  <div class="full"><button type="submit">{{_("Receive")}}</button></div>
</form>
