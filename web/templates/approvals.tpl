<h1>{{title}}</h1>
% if message:
<p class="alert done" role="status">{{message}}</p>
% end
% if error:
<p class="alert refused" role="alert">{{error}}</p>
% end
<h2>{{_("Pending requests")}} <span class="muted">({{len(pending)}})</span></h2>
% if not pending:
<p class="empty">{{_("No request is waiting.")}}</p>
% else:
<div class="table-wrap">
<table>
  <thead><tr>
    <th scope="col">{{_("Request")}}</th><th scope="col">{{_("For")}}</th><th scope="col">{{_("Item")}}</th>
    <th scope="col">{{_("Valid")}}</th><th scope="col">{{_("Purpose")}}</th><th scope="col">{{_("Asked by")}}</th>
    % if decide:
    <th scope="col">{{_("Decision")}}</th>
    % end
  </tr></thead>
  <tbody>
  % for r in pending:
  <tr class="{{level_class(r["level"])}}">
    <td>{{r["id"]}} · {{r["action"]}}</td>
    <td>{{r["person"]}}</td>
    <td>
    % if r["item"]:
      <span class="level {{level_class(r["level"])}}">{{level_name(r["level"])}}</span> <a href="/items/{{r["item"]}}">{{r["item_title"]}}</a>
    % end
    </td>
    <td>{{fmt(r["valid_from"])}} – {{fmt(r["valid_until"])}}</td>
    <td>{{r["purpose"]}}</td>
    <td>{{r["requested_by"]}}</td>
    % if decide:
    <td>
      <form class="inline" method="post" action="/approvals/decide">
        <input type="hidden" name="csrf_token" value="{{csrf_token}}">
        <input type="hidden" name="request" value="{{r["id"]}}">
        <input type="hidden" name="decision" value="approve">
        <button type="submit" id="approve-{{r["id"]}}">{{_("Approve")}}</button>
      </form>
      <form class="inline" method="post" action="/approvals/decide">
        <input type="hidden" name="csrf_token" value="{{csrf_token}}">
        <input type="hidden" name="request" value="{{r["id"]}}">
        <input type="hidden" name="decision" value="reject">
        <label for="reason-{{r["id"]}}">{{_("Reason")}}</label>
        <input id="reason-{{r["id"]}}" name="reason" required>
        <button class="danger" type="submit">{{_("Reject")}}</button>
      </form>
    </td>
    % end
  </tr>
  % end
  </tbody>
</table>
</div>
% end
