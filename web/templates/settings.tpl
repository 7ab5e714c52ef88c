<h1>{{title}}</h1>
% if message:
<p class="alert done" role="status" id="settings-done">{{message}}</p>
% end
% if error:
<p class="alert refused" role="alert" id="settings-error">{{error}}</p>
% end
<p class="hint">{{_("Each change is recorded in the ledger with your name.")}}</p>
<div class="table-wrap">
<table class="settings">
  <thead><tr>
    <th scope="col">{{_("Setting")}}</th><th scope="col">{{_("What it is for")}}</th><th scope="col">{{_("Value")}}</th>
  </tr></thead>
  <tbody>
  % for s in settings:
  <tr id="setting-{{s["key"]}}">
    <td><code>{{s["key"]}}</code></td>
    <td>{{s["about"]}}</td>
    <td>
    % if s["editable"]:
      <form class="inline" method="post" action="/settings">
        <input type="hidden" name="csrf_token" value="{{csrf_token}}">
        <input type="hidden" name="key" value="{{s["key"]}}">
        <label class="visually-hidden" for="v-{{s["key"]}}">{{s["key"]}}</label>
        <input id="v-{{s["key"]}}" name="value" maxlength="2000" value="{{s["text"]}}">
        <button type="submit">{{_("Change")}}</button>
      </form>
    % else:
      <code>{{s["text"]}}</code> <span class="hint">{{_("changed on the machine (the CLI)")}}</span>
    % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
